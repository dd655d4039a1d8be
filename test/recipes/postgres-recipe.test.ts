import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { listGroupMembers } from '../../src/exec/proc-stat.js';
import type { SupervisorEvent } from '../../src/supervisor/supervisor-types.js';
import { makePostgresStack, query, requirePostgres, superviseStack } from './postgres-helpers.js';

const STACK = `services:
  db:
    recipe: postgres
    port: PORT
    data: ./data/db
    database: shop
    settings: { max_connections: 40 }
`;

type StateEvent = Extract<SupervisorEvent, { type: 'state' }>;

describe('postgres recipe (real server)', { timeout: 240_000 }, () => {
  before(requirePostgres);

  it('initialises on first start, reuses the cluster on the second, and keeps data written before down', async () => {
    const { dir } = await makePostgresStack(STACK);
    const first = superviseStack(dir);
    let pgid = 0;
    try {
      await first.supervisor.up();
      assert.deepEqual(await first.supervisor.waitReady(90_000), { ok: true });
      const url = first.supervisor.lookup('db', 'url') ?? '';
      assert.match(url, /^postgres:\/\/shop:[^@]+@127\.0\.0\.1:\d+\/shop$/);
      await query(url, 'CREATE TABLE orders (id int PRIMARY KEY, item text)');
      await query(url, 'INSERT INTO orders VALUES (1, $1)', ['anchor']);
      assert.deepEqual(await query(url, 'SHOW max_connections'), [{ max_connections: '40' }]);
      pgid = first.supervisor.status()[0]?.pid ?? 0;
      assert.ok(pgid > 0);
    } finally {
      await first.supervisor.down();
    }
    assert.deepEqual(listGroupMembers(pgid), [], 'no postgres process is left after down');
    const data = join(dir, 'data', 'db');
    assert.equal(readFileSync(join(data, 'PG_VERSION'), 'utf8').trim().length > 0, true);
    assert.match(readFileSync(join(data, 'berth.conf'), 'utf8'), /listen_addresses = '127\.0\.0\.1'/);
    for (const secret of ['db.superuser', 'db.password']) assert.equal(statSync(join(dir, '.berth', 'secrets', secret)).mode & 0o777, 0o600, secret);
    const controlBefore = statSync(join(data, 'global', 'pg_control')).birthtimeMs;

    const second = superviseStack(dir);
    try {
      await second.supervisor.up();
      assert.deepEqual(await second.supervisor.waitReady(90_000), { ok: true });
      const url = second.supervisor.lookup('db', 'url') ?? '';
      assert.deepEqual(await query(url, 'SELECT item FROM orders WHERE id = 1'), [{ item: 'anchor' }]);
    } finally {
      await second.supervisor.down();
    }
    assert.equal(statSync(join(data, 'global', 'pg_control')).birthtimeMs, controlBefore, 'the cluster was not made again');
  });

  it('starts an app that depends on it only once it answers queries as the app role', async () => {
    const { dir } = await makePostgresStack(`${STACK}  app:
    command: [${JSON.stringify(process.execPath)}, -e, "setInterval(() => {}, 1000)"]
    depends_on: { db: ready }
    env: { DATABASE_URL: "\${services.db.url}" }
`);
    const { supervisor, events } = superviseStack(dir);
    try {
      await supervisor.up();
      assert.deepEqual(await supervisor.waitReady(90_000), { ok: true });
      const states = events.filter((e): e is StateEvent => e.type === 'state');
      const dbReady = states.find((e) => e.status.service === 'db' && e.status.ready === true);
      const appStart = states.find((e) => e.status.service === 'app' && e.status.phase === 'starting');
      assert.ok(dbReady !== undefined && appStart !== undefined);
      assert.ok(events.indexOf(appStart) > events.indexOf(dbReady), 'app spawned after db was ready');
      assert.match(dbReady.status.lastProbe?.output ?? '', /SELECT 1 answered for shop@shop/);
      const appPid = supervisor.status().find((s) => s.service === 'app')?.pid ?? 0;
      const environ = readFileSync(`/proc/${String(appPid)}/environ`, 'utf8').split('\0');
      const url = environ.find((line) => line.startsWith('DATABASE_URL='))?.slice('DATABASE_URL='.length) ?? '';
      assert.deepEqual(await query(url, 'SELECT current_user AS who'), [{ who: 'shop' }], 'the URL the app got works');
    } finally {
      await supervisor.down();
    }
  });

  it('refuses a folder that holds somebody else\'s files, and leaves it untouched', async () => {
    const { dir } = await makePostgresStack(STACK, { 'data/db/notes.txt': 'mine' });
    const { supervisor } = superviseStack(dir);
    try {
      await supervisor.up();
      const result = await supervisor.waitReady(30_000);
      assert.equal(result.ok, false);
      const status = supervisor.status()[0];
      assert.ok(status !== undefined);
      assert.equal(status.phase, 'failed');
      assert.match(status.reason ?? '', /^BERTH_E_RECIPE_FOREIGN_DATA: data folder .*data\/db of `db` is not empty/);
      assert.match(status.reason ?? '', /hint: Berth never touches a folder it did not make/);
      assert.equal(status.restarts, 0, 'not a restart loop');
    } finally {
      await supervisor.down();
    }
    assert.equal(readFileSync(join(dir, 'data', 'db', 'notes.txt'), 'utf8'), 'mine');
    assert.equal(existsSync(join(dir, 'data', 'db', 'PG_VERSION')), false);
  });

  it('says which port is taken instead of starting a server that cannot listen', async () => {
    const { dir, port } = await makePostgresStack(STACK);
    const { createServer } = await import('node:net');
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve));
    const { supervisor } = superviseStack(dir);
    try {
      await supervisor.up();
      assert.equal((await supervisor.waitReady(30_000)).ok, false);
      assert.match(supervisor.status()[0]?.reason ?? '', new RegExp(`^BERTH_E_RECIPE_PORT_IN_USE: port ${String(port)} of \`db\` is already in use`));
    } finally {
      await supervisor.down();
      squatter.close();
    }
  });

  it('gives a catalogued error at once when the role needs fixing and the stored superuser password no longer works', async () => {
    const { dir } = await makePostgresStack(STACK);
    const first = superviseStack(dir);
    try {
      await first.supervisor.up();
      assert.deepEqual(await first.supervisor.waitReady(90_000), { ok: true });
    } finally {
      await first.supervisor.down();
    }
    // The role's password changes (now from .env) while the stored superuser password was lost: Berth must say so.
    writeFileSync(join(dir, '.berth', 'secrets', 'db.superuser'), 'not-the-password\n');
    writeFileSync(join(dir, '.env'), 'DB_PASSWORD=a-new-role-password\n');
    writeFileSync(join(dir, 'berth.yml'), readFileSync(join(dir, 'berth.yml'), 'utf8').replace('database: shop', 'database: shop\n    password: ${DB_PASSWORD}'));
    const second = superviseStack(dir);
    try {
      await second.supervisor.up();
      const started = Date.now();
      assert.equal((await second.supervisor.waitReady(60_000)).ok, false);
      const status = second.supervisor.status()[0];
      assert.match(status?.reason ?? '', /^BERTH_E_RECIPE_AUTH: `db` refused Berth's login as `postgres`: password authentication failed/);
      assert.doesNotMatch(status?.reason ?? '', /not-the-password|a-new-role-password/, 'passwords are never shown');
      assert.ok(Date.now() - started < 50_000, 'well before the start timeout');
    } finally {
      await second.supervisor.down();
    }
  });

  it('refuses a data folder of another major version, naming the upgrade path', async () => {
    const { dir } = await makePostgresStack(STACK);
    mkdirSync(join(dir, 'data', 'db', 'global'), { recursive: true });
    writeFileSync(join(dir, 'data', 'db', 'PG_VERSION'), '9\n');
    const { supervisor } = superviseStack(dir);
    try {
      await supervisor.up();
      assert.equal((await supervisor.waitReady(30_000)).ok, false);
      const reason = supervisor.status()[0]?.reason ?? '';
      assert.match(reason, /^BERTH_E_RECIPE_VERSION_MISMATCH: data folder .* was made by PostgreSQL 9, but the server found is PostgreSQL \d+/);
      assert.match(reason, /pg_upgrade/);
    } finally {
      await supervisor.down();
    }
  });
});
