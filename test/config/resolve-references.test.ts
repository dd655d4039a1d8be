import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultDatabaseName, fixedPort, resolveReference } from '../../src/config/resolve-references.js';
import { stackSchema } from '../../src/config/schema/stack.js';
import { diagnosticsOf, loadText, only, position } from '../helpers/temp-stack.js';

const stackOf = (data: unknown) => stackSchema.parse(data);

describe('resolveReference', () => {
  const stack = stackOf({
    services: {
      db: { recipe: 'postgres', data: './d', password: 'p@ss word' },
      named: { recipe: 'postgres', data: './n', password: 'pw', database: 'orders', user: 'app' },
      open: { recipe: 'postgres', data: './o' },
      cache: { recipe: 'redis', data: './c' },
      locked: { recipe: 'redis', data: './l', password: 'r/pw', port: 6380 },
      api: { command: './api', http: {}, port: 9000 },
      tcp: { command: './tcp', port: 7000 },
      web: { command: './web', http: {} },
    },
  });

  it('builds URLs with encoded credentials and the default database name', () => {
    assert.equal(resolveReference(stack, 'my-shop', 'db', 'url'), 'postgresql://my_shop:p%40ss%20word@127.0.0.1:5432/my_shop');
    assert.equal(resolveReference(stack, 'my-shop', 'named', 'url'), 'postgresql://app:pw@127.0.0.1:5432/orders');
    assert.equal(resolveReference(stack, 'my-shop', 'cache', 'url'), 'redis://127.0.0.1:6379');
    assert.equal(resolveReference(stack, 'my-shop', 'locked', 'url'), 'redis://:r%2Fpw@127.0.0.1:6380');
    assert.equal(resolveReference(stack, 'my-shop', 'api', 'url'), 'http://127.0.0.1:9000');
    assert.equal(resolveReference(stack, 'my-shop', 'tcp', 'url'), 'tcp://127.0.0.1:7000');
    assert.equal(defaultDatabaseName('my-shop'), 'my_shop');
  });

  it('knows ports and hosts now, and leaves what only run time knows undefined', () => {
    assert.equal(resolveReference(stack, 's', 'cache', 'port'), '6379');
    assert.equal(resolveReference(stack, 's', 'web', 'host'), '127.0.0.1');
    assert.equal(resolveReference(stack, 's', 'web', 'port'), undefined);
    assert.equal(resolveReference(stack, 's', 'open', 'url'), undefined);
    assert.equal(resolveReference(stack, 's', 'missing', 'url'), undefined);
    assert.equal(fixedPort(stack.services.web!), null);
    assert.equal(fixedPort(stack.services.db!), 5432);
  });
});

describe('service references through loadStack', () => {
  it('writes known references in and keeps run-time ones as late env values', () => {
    const result = loadText(`name: shop
services:
  db:
    recipe: postgres
    data: ./data/db
    password: \${DB_PASSWORD}
  api:
    command: ./api
    http: {}
  web:
    command: ./web --db-port \${services.db.port}
    env:
      DATABASE_URL: \${services.db.url}
      API_URL: "\${services.api.url}/v1"
`, { files: { '.env': 'DB_PASSWORD=secret-pw\n' } });
    assert.ok(result.ok, JSON.stringify(diagnosticsOf(result), null, 2));
    const web = result.stack.services.web!;
    assert.deepEqual(web.command, { shell: './web --db-port 5432' });
    assert.equal(web.env.DATABASE_URL, 'postgresql://shop:secret-pw@127.0.0.1:5432/shop');
    assert.equal(web.env.API_URL, undefined);
    assert.deepEqual(web.late_env.API_URL, [{ kind: 'ref', service: 'api', attr: 'url', source: '${services.api.url}' }, { kind: 'text', text: '/v1' }]);
  });

  it('BERTH_E_REF_UNKNOWN_SERVICE: at the reference itself, with a did-you-mean hint', () => {
    const result = loadText('services:\n  cache:\n    recipe: redis\n    data: ./data/cache\n  web:\n    command: ./web\n    env:\n      REDIS_URL: "redis-url=${services.cahce.url}"\n');
    const d = only(result, 'BERTH_E_REF_UNKNOWN_SERVICE');
    assert.equal(d.message, '${services.cahce.url} names service cahce, which does not exist');
    assert.equal(d.path, 'services.web.env.REDIS_URL');
    assert.equal(position(d), '8:29');
    assert.equal(d.expected, 'the name of a service in this file');
    assert.equal(d.found, '`cahce`');
    assert.equal(d.hint, 'did you mean `cache`?');
  });

  it('BERTH_E_VAR_SYNTAX for an attribute other than port, url or host', () => {
    const d = only(loadText('services:\n  cache:\n    recipe: redis\n    data: ./d\n  web:\n    command: ./web\n    env:\n      URL: ${services.cache.uri}\n'), 'BERTH_E_VAR_SYNTAX');
    assert.equal(position(d), '8:12');
    assert.equal(d.found, '`uri`');
    assert.match(d.expected ?? '', /`port`, `url` or `host`/);
  });

  it('BERTH_E_REF_NO_PORT: a reference to the port of a service that has none', () => {
    const result = loadText('services:\n  worker:\n    command: celery worker\n  web:\n    command: ./web\n    env:\n      WORKER: ${services.worker.host}:${services.worker.port}\n');
    const d = only(result, 'BERTH_E_REF_NO_PORT');
    assert.equal(d.message, '${services.worker.port}: service worker has no port');
    assert.equal(position(d), '7:39');
    assert.equal(d.path, 'services.web.env.WORKER');
    assert.equal(d.found, '`worker` has no `port`, `http` or recipe');
    assert.match(d.hint, /give worker a fixed `port:`/);
  });

  it('BERTH_E_REF_LATE: a run-time reference outside `env`, at that reference (not an earlier known one)', () => {
    const result = loadText('services:\n  cache:\n    recipe: redis\n    data: ./d\n  api:\n    command: ./api\n    http: {}\n  web:\n    command: ./web --redis ${services.cache.url} --api ${services.api.url}\n');
    const d = only(result, 'BERTH_E_REF_LATE');
    assert.equal(d.message, '${services.api.url} is only known when the stack runs, so it can be used only in `env` values');
    assert.equal(d.path, 'services.web.command');
    assert.equal(position(d), '9:56');
    assert.equal(d.expected, 'a reference inside an `env` value');
    assert.match(d.hint, /env: \{ NAME: "\$\{services\.api\.url\}" \}/);
  });

  it('allows run-time references in the stack-wide and job `env`', () => {
    const result = loadText('env:\n  API: ${services.api.url}\nservices:\n  api:\n    command: ./api\n    http: {}\njobs:\n  ping:\n    command: ./ping\n    every: 1m\n    env: { TARGET: "${services.api.url}/health" }\n');
    assert.ok(result.ok, JSON.stringify(diagnosticsOf(result), null, 2));
    assert.ok(result.stack.services.api?.late_env.API);
    assert.ok(result.stack.jobs.ping?.late_env.TARGET);
  });
});
