import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { normalizeStack } from '../../src/config/normalize-stack.js';
import type { ResolvedService, ResolvedStack } from '../../src/config/resolved-stack.js';
import { stackSchema } from '../../src/config/schema/stack.js';
import { diagnosticsOf, loadText } from '../helpers/temp-stack.js';

const ROOT = '/srv/shop';
const normalize = (data: unknown, stackEnvFile: ReadonlyMap<string, string> = new Map()) =>
  normalizeStack(stackSchema.parse(data), { file: join(ROOT, 'berth.yml'), root: ROOT, name: 'my-shop', environment: null, stackEnvFile, ownEnvFiles: new Map(), late: new Map() });

function services<const N extends readonly string[]>(stack: ResolvedStack, ...names: N): { [K in keyof N]: ResolvedService } {
  return names.map((name) => {
    const service = stack.services[name];
    assert.ok(service, `no service ${name}`);
    return service;
  }) as { [K in keyof N]: ResolvedService };
}

describe('normalizeStack', () => {
  it('gives every kind of service its shape: process, recipe, static', () => {
    const stack = normalize({ services: { web: { command: ['node', 'server.js'], http: {} }, db: { recipe: 'postgres', data: './data/db' }, site: { static: { dir: 'public', fallback: 'index.html' } } } });
    const [web, db, site] = services(stack, 'web', 'db', 'site');
    assert.deepEqual([web.kind, db.kind, site.kind], ['process', 'recipe', 'static']);
    assert.deepEqual(web.command, { argv: ['node', 'server.js'] });
    assert.equal(web.port, null);
    assert.equal(web.http, true);
    assert.equal(db.port, 5432);
    assert.equal(db.data, '/srv/shop/data/db');
    assert.deepEqual(site.static, { dir: '/srv/shop/public', fallback: 'index.html' });
  });

  it('names the postgres database and role after the stack when the file does not', () => {
    const [db, named] = services(normalize({ services: { db: { recipe: 'postgres', data: './d' }, named: { recipe: 'postgres', data: './n', port: 5433, database: 'orders' } } }), 'db', 'named');
    assert.deepEqual([db.database, db.user], ['my_shop', 'my_shop']);
    assert.deepEqual([named.database, named.user], ['orders', 'orders']);
  });

  it('chooses implicit ready probes: recipe protocol, tcp for a port or `http`, none otherwise', () => {
    const [db, cache, api, worker] = services(normalize({ services: { db: { recipe: 'postgres', data: './d' }, cache: { recipe: 'redis', data: './c' }, api: { command: './api', port: 8000 }, worker: { command: './worker' } } }), 'db', 'cache', 'api', 'worker');
    assert.ok(db.ready && cache.ready && api.ready);
    assert.deepEqual([db.ready.kind, db.ready.start_timeout, db.ready.implicit], ['postgres', '120s', true]);
    assert.equal(cache.ready.kind, 'redis');
    assert.deepEqual([api.ready.kind, api.ready.tcp, api.ready.implicit], ['tcp', { port: null }, true]);
    assert.equal(worker.ready, null);
  });

  it('turns written probes into one shape', () => {
    const [web] = services(normalize({ services: { web: { command: './web', http: {}, ready: { http: '/health' }, live: { http: { path: '/live', status: 204 }, failures: 5 }, startup: { exec: 'test -f ready' } } } }), 'web');
    assert.ok(web.ready && web.live && web.startup);
    assert.deepEqual(web.ready.http, { path: '/health', status: [], body: null, port: null });
    assert.equal(web.ready.implicit, false);
    assert.deepEqual(web.live.http, { path: '/live', status: [204], body: null, port: null });
    assert.equal(web.live.failures, 5);
    assert.deepEqual(web.startup.exec, { shell: 'test -f ready' });
  });

  it('defaults the deploy strategy: blue-green when routed, replace for singletons and recipes, overlap otherwise', () => {
    const all = normalize({ services: { web: { command: './web', http: {}, routes: [{ host: 'a.example.com' }] }, beat: { command: './beat', singleton: true }, db: { recipe: 'redis', data: './d' }, worker: { command: './worker' }, pinned: { command: './p', http: {}, routes: [{ host: 'b.example.com' }], deploy: { strategy: 'overlap' } } } }).services;
    assert.deepEqual(Object.fromEntries(Object.entries(all).map(([name, s]) => [name, s.deploy.strategy])), { web: 'blue-green', beat: 'replace', db: 'replace', worker: 'overlap', pinned: 'overlap' });
  });

  it('reads `depends_on` lists as `ready` and keeps map conditions', () => {
    const [web, report] = services(normalize({ services: { db: { recipe: 'redis', data: './d' }, migrate: { command: './m', oneshot: true }, web: { command: './web', depends_on: ['db'] }, report: { command: './r', depends_on: { db: 'started', migrate: { condition: 'completed' } } } } }), 'web', 'report');
    assert.deepEqual(web.depends_on, { db: { condition: 'ready' } });
    assert.deepEqual(report.depends_on, { db: { condition: 'started' }, migrate: { condition: 'completed' } });
  });

  it('layers environments: env file < stack `env` < service `env`, as strings', () => {
    const stack = normalize({ env: { LEVEL: 'stack', DEBUG: false }, services: { web: { command: './web', env: { LEVEL: 'service', WORKERS: 4 } } } }, new Map([['LEVEL', 'file'], ['FROM_FILE', 'x']]));
    assert.deepEqual(stack.env, { LEVEL: 'stack', FROM_FILE: 'x', DEBUG: 'false' });
    assert.deepEqual(stack.services.web?.env, { LEVEL: 'service', FROM_FILE: 'x', DEBUG: 'false', WORKERS: '4' });
  });

  it('adds an edge only when something is routed, and turns an alert list into channels', () => {
    assert.equal(normalize({ services: { worker: { command: './w' } } }).edge, null);
    const routed = normalize({ services: { site: { static: './public' } }, alerts: [{ slack: { url: 'https://hooks.example.com/x' } }] });
    assert.deepEqual(routed.edge?.listen, { http: 80, https: 443, address: '0.0.0.0' });
    assert.equal(routed.alerts.channels.length, 1);
    assert.equal(routed.alerts.down_after, '60s');
    assert.equal(routed.alerts.events.deploy_succeeded, false);
  });

  it('resolves relative folders against the folder of berth.yml and keeps absolute ones', () => {
    const [web, db] = services(normalize({ services: { web: { command: './web', cwd: 'app' }, db: { recipe: 'postgres', data: '/var/lib/shop/db', bin_dir: '/usr/lib/postgresql/16/bin' } } }), 'web', 'db');
    assert.equal(web.cwd, '/srv/shop/app');
    assert.equal(db.data, '/var/lib/shop/db');
    assert.equal(db.bin_dir, '/usr/lib/postgresql/16/bin');
  });
});

describe('the resolved stack from loadStack', () => {
  it('is deep-frozen and names its file, root, stack name and environment', () => {
    const result = loadText('services:\n  web:\n    command: ./web\n    env: { A: "1" }\nenvironments:\n  staging: {}\n', { environment: 'staging' });
    assert.ok(result.ok, JSON.stringify(diagnosticsOf(result)));
    assert.equal(result.stack.file, join(result.dir, 'berth.yml'));
    assert.equal(result.stack.root, result.dir);
    assert.match(result.stack.name, /^berth-test-[a-z0-9]+$/);
    assert.equal(result.stack.environment, 'staging');
    assert.ok(Object.isFrozen(result.stack.services.web?.env));
    assert.throws(() => {
      (result.stack.services.web!.env as Record<string, string>).A = '2';
    }, TypeError);
  });
});
