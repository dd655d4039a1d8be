import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diagnosticsOf, loadText, only, position } from '../../helpers/temp-stack.js';

const codes = (result: Parameters<typeof diagnosticsOf>[0]) => diagnosticsOf(result).map((d) => d.code);

describe('lint: singletons', () => {
  it('`singleton` with `replicas > 1` (BERTH_E_SINGLETON_REPLICAS), at `replicas`', () => {
    const result = loadText('services:\n  beat:\n    command: celery beat\n    singleton: true\n    replicas: 2\n');
    const d = only(result, 'BERTH_E_SINGLETON_REPLICAS');
    assert.equal(d.message, 'service beat is a singleton but asks for 2 replicas');
    assert.equal(d.path, 'services.beat.replicas');
    assert.equal(position(d), '5:15');
    assert.equal(d.expected, 'replicas: 1');
    assert.equal(d.found, 'replicas: 2');
    assert.match(d.hint, /remove `replicas` or `singleton`/);
  });

  it('`singleton` with a strategy that runs two instances (BERTH_E_SINGLETON_STRATEGY)', () => {
    for (const strategy of ['blue-green', 'overlap']) {
      const result = loadText(`services:\n  beat:\n    command: celery beat\n    singleton: true\n    deploy:\n      strategy: ${strategy}\n`);
      const d = only(result, 'BERTH_E_SINGLETON_STRATEGY');
      assert.equal(d.path, 'services.beat.deploy.strategy');
      assert.equal(position(d), '6:17');
      assert.equal(d.expected, '`replace`');
      assert.equal(d.found, `\`${strategy}\``);
      assert.match(d.hint, /strategy: replace/);
    }
  });

  it('does not fire on a singleton with one replica, `replace`, or a routed singleton left to the default', () => {
    const result = loadText(`services:
  beat:
    command: celery beat
    singleton: true
    replicas: 1
    deploy: { strategy: replace }
  admin:
    command: ./admin
    singleton: true
    http: {}
    routes: [{ host: admin.example.com }]
  web:
    command: ./web
    replicas: 4
    deploy: { strategy: overlap }
`);
    assert.ok(result.ok, JSON.stringify(codes(result)));
    assert.equal(result.stack.services.admin?.deploy.strategy, 'replace');
  });
});

describe('lint: recipes without a data folder (BERTH_E_RECIPE_NO_DATA)', () => {
  it('fires at `recipe:` and suggests a folder named after the service', () => {
    const result = loadText('services:\n  db:\n    recipe: postgres\n    port: 5433\n');
    const d = only(result, 'BERTH_E_RECIPE_NO_DATA');
    assert.equal(d.message, 'service db uses recipe postgres without a `data` folder');
    assert.equal(d.path, 'services.db.recipe');
    assert.equal(position(d), '3:13');
    assert.equal(d.found, 'no `data`');
    assert.equal(d.hint, 'add `data: ./data/db`; Berth never deletes it');
  });

  it('does not fire with `data:`, nor on a service without a recipe', () => {
    const result = loadText('services:\n  cache:\n    recipe: redis\n    data: ./data/cache\n  web:\n    command: ./web\n');
    assert.ok(result.ok, JSON.stringify(codes(result)));
  });
});

describe('lint: job names', () => {
  it('a job with a service\'s name (BERTH_E_JOB_NAME_TAKEN), at the job\'s key; distinct names pass', () => {
    const result = loadText('services:\n  report:\n    command: node server.js\njobs:\n  report:\n    command: node report.js\n    every: 1h\n');
    const d = only(result, 'BERTH_E_JOB_NAME_TAKEN');
    assert.equal(d.message, 'job `report` has the name of a service');
    assert.equal(d.path, 'jobs.report');
    assert.equal(position(d), '5:3');
    assert.equal(d.found, '`report`, also under `services:`');
    assert.ok(!codes(loadText('services:\n  web:\n    command: node server.js\njobs:\n  report:\n    command: node report.js\n    every: 1h\n')).includes('BERTH_E_JOB_NAME_TAKEN'));
  });
});
