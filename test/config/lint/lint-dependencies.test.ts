import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diagnosticsOf, loadText, only, position } from '../../helpers/temp-stack.js';

const codes = (result: Parameters<typeof diagnosticsOf>[0]) => diagnosticsOf(result).map((d) => d.code);

describe('lint: dependency cycles (BERTH_E_DEP_CYCLE)', () => {
  it('prints the whole cycle and points at the edge that closes it', () => {
    const result = loadText(`services:
  a:
    command: ./a
    port: 4001
    depends_on: [b]
  b:
    command: ./b
    port: 4002
    depends_on: [c]
  c:
    command: ./c
    port: 4003
    depends_on: [a]
`);
    assert.equal(result.ok, false);
    const d = only(result, 'BERTH_E_DEP_CYCLE');
    assert.equal(d.message, 'dependency cycle: a → b → c → a');
    assert.equal(position(d), '13:18');
    assert.equal(d.path, 'services.c.depends_on[0]');
    assert.equal(d.found, 'a → b → c → a');
    assert.match(d.expected ?? '', /end somewhere/);
    assert.match(d.hint, /condition: started/);
  });

  it('finds a two-service cycle written as maps, and a service that waits for itself', () => {
    const pair = loadText('services:\n  api:\n    command: ./api\n    port: 4001\n    depends_on:\n      worker: started\n  worker:\n    command: ./worker\n    depends_on:\n      api: started\n');
    const d = only(pair, 'BERTH_E_DEP_CYCLE');
    assert.equal(d.message, 'dependency cycle: api → worker → api');
    assert.equal(d.path, 'services.worker.depends_on.api');
    assert.equal(position(d), '10:12');
    const self = only(loadText('services:\n  a:\n    command: ./a\n    port: 4001\n    depends_on: [a]\n'), 'BERTH_E_DEP_CYCLE');
    assert.equal(self.message, 'dependency cycle: a → a');
  });

  it('does not fire on a diamond (two paths to one service)', () => {
    const result = loadText(`services:
  db:
    command: ./db
    port: 5000
  api:
    command: ./api
    port: 5001
    depends_on: [db]
  worker:
    command: ./worker
    port: 5002
    depends_on: [db]
  web:
    command: ./web
    port: 5003
    depends_on: [api, worker]
`);
    assert.ok(result.ok, JSON.stringify(codes(result)));
  });
});

describe('lint: unknown dependency targets (BERTH_E_DEP_UNKNOWN)', () => {
  it('names the missing service of a service, with a did-you-mean hint', () => {
    const result = loadText('services:\n  postgres:\n    recipe: postgres\n    data: ./data/pg\n  web:\n    command: ./web\n    depends_on: [redis, postgress]\n');
    const d = diagnosticsOf(result).filter((x) => x.code === 'BERTH_E_DEP_UNKNOWN');
    assert.equal(d.length, 2);
    const [redis, typo] = d;
    assert.ok(redis !== undefined && typo !== undefined);
    assert.equal(typo.path, 'services.web.depends_on[1]');
    assert.equal(position(typo), '7:25');
    assert.equal(typo.hint, 'did you mean `postgres`?');
    assert.equal(typo.found, '`postgress`');
    assert.match(typo.expected ?? '', /name of a service/);
    assert.equal(redis.path, 'services.web.depends_on[0]');
    assert.match(redis.hint, /postgres/);
    assert.doesNotMatch(redis.hint, /did you mean/);
  });

  it('checks the depends_on of jobs too', () => {
    const result = loadText('services:\n  db:\n    recipe: redis\n    data: ./data/redis\njobs:\n  nightly:\n    command: ./report\n    schedule: "0 2 * * *"\n    depends_on: [dbb]\n');
    const d = only(result, 'BERTH_E_DEP_UNKNOWN');
    assert.equal(d.path, 'jobs.nightly.depends_on[0]');
    assert.equal(position(d), '9:18');
    assert.match(d.message, /nightly/);
    assert.equal(d.hint, 'did you mean `db`?');
  });

  it('does not fire when the target exists, nor for a name that only exists on Object.prototype', () => {
    assert.ok(loadText('services:\n  db:\n    recipe: redis\n    data: ./d\njobs:\n  j:\n    command: x\n    every: 5m\n    depends_on: [db]\n').ok);
    const result = loadText('services:\n  web:\n    command: x\n    depends_on: [constructor]\n');
    assert.equal(only(result, 'BERTH_E_DEP_UNKNOWN').found, '`constructor`');
  });
});

describe('lint: conditions a target can never meet', () => {
  it('`completed` on a long-running service (BERTH_E_DEP_COMPLETED_LONG_RUNNING)', () => {
    const result = loadText('services:\n  migrate:\n    command: ./manage.py migrate\n  web:\n    command: ./web\n    depends_on:\n      migrate: completed\n');
    const d = only(result, 'BERTH_E_DEP_COMPLETED_LONG_RUNNING');
    assert.equal(d.path, 'services.web.depends_on.migrate');
    assert.equal(position(d), '7:16');
    assert.equal(d.expected, '`migrate` with `oneshot: true`');
    assert.equal(d.found, '`migrate` is long-running');
    assert.match(d.hint, /mark migrate `oneshot: true`/);
  });

  it('does not fire on `completed` for a oneshot service', () => {
    const result = loadText('services:\n  migrate:\n    command: ./manage.py migrate\n    oneshot: true\n  web:\n    command: ./web\n    depends_on:\n      migrate: { condition: completed }\n');
    assert.ok(result.ok, JSON.stringify(codes(result)));
  });

  it('`ready` (the default) on a service with no probe, port or recipe (BERTH_E_DEP_READY_NO_PROBE)', () => {
    const result = loadText('services:\n  worker:\n    command: celery worker\n  web:\n    command: ./web\n    depends_on: [worker]\n');
    const d = only(result, 'BERTH_E_DEP_READY_NO_PROBE');
    assert.equal(d.path, 'services.web.depends_on[0]');
    assert.equal(position(d), '6:18');
    assert.match(d.expected ?? '', /`ready:` probe, a port or a recipe/);
    assert.equal(d.found, '`worker` has none');
    assert.match(d.hint, /condition: started/);
  });

  it('does not fire when the target has a ready probe, a port, a recipe, or the condition is `started`', () => {
    const stacks = [
      'services:\n  worker:\n    command: celery worker\n    ready: { log: "celery@\\\\S+ ready" }\n  web:\n    command: ./web\n    depends_on: [worker]\n',
      'services:\n  api:\n    command: ./api\n    port: 8000\n  web:\n    command: ./web\n    depends_on: [api]\n',
      'services:\n  api:\n    command: ./api\n    http: {}\n  web:\n    command: ./web\n    depends_on: [api]\n',
      'services:\n  cache:\n    recipe: redis\n    data: ./data/redis\n  web:\n    command: ./web\n    depends_on: [cache]\n',
      'services:\n  worker:\n    command: celery worker\n  web:\n    command: ./web\n    depends_on: { worker: started }\n',
    ];
    for (const text of stacks) {
      const result = loadText(text);
      assert.ok(result.ok, `${text}\n${JSON.stringify(codes(result))}`);
    }
  });
});
