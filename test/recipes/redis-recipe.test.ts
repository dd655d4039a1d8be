import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { listGroupMembers } from '../../src/exec/proc-stat.js';
import type { SupervisorEvent } from '../../src/supervisor/supervisor-types.js';
import { superviseStack } from './postgres-helpers.js';
import { makeRedisStack, requireRedis, serverPid, withClient } from './redis-helpers.js';

// Quotes, a backslash, a space and a non-ASCII letter: the config file and the URL must both carry it intact.
const PASSWORD = 'p@ss "w0rd" \\ é';
const STACK = `services:
  cache:
    recipe: redis
    port: PORT
    data: ./data/cache
    password: \${REDIS_PASSWORD}
    args: [--maxmemory, 64mb]
`;
const ENV_FILE = { '.env': `REDIS_PASSWORD='${PASSWORD}'\n` };

type StateEvent = Extract<SupervisorEvent, { type: 'state' }>;

describe('redis recipe (real server)', { timeout: 120_000 }, () => {
  before(requireRedis);

  it('initialises on first start, reuses the data on the second, and keeps data written before down', async () => {
    const { dir, port } = await makeRedisStack(STACK, ENV_FILE);
    const first = superviseStack(dir);
    let pgid = 0;
    try {
      await first.supervisor.up();
      assert.deepEqual(await first.supervisor.waitReady(30_000), { ok: true });
      const url = first.supervisor.lookup('cache', 'url') ?? '';
      assert.equal(url, `redis://:${encodeURIComponent(PASSWORD)}@127.0.0.1:${String(port)}`);
      await withClient(url, async (send) => {
        assert.equal(await send(['SET', 'anchor', 'kept']), 'OK');
        assert.deepEqual(await send(['CONFIG', 'GET', 'appendfsync']), { appendfsync: 'everysec' });
        assert.deepEqual(await send(['CONFIG', 'GET', 'maxmemory']), { maxmemory: String(64 * 1024 * 1024) }, 'args: reach the server');
        assert.deepEqual(await send(['CONFIG', 'GET', 'bind']), { bind: '127.0.0.1' });
      });
      const status = first.supervisor.status()[0];
      pgid = status?.pid ?? 0;
      assert.equal(await serverPid(url), pgid, 'the server is the instance Berth spawned');
      assert.match(status?.lastProbe?.output ?? '', /^PING answered PONG at 127\.0\.0\.1:\d+$/);
    } finally {
      await first.supervisor.down();
    }
    assert.ok(pgid > 0);
    assert.deepEqual(listGroupMembers(pgid), [], 'no redis-server process is left after down');
    const data = join(dir, 'data', 'cache');
    assert.equal(statSync(data).mode & 0o777, 0o700);
    assert.deepEqual(readdirSync(data).sort(), ['appendonlydir', 'dump.rdb'], 'AOF and the snapshot SHUTDOWN SAVE wrote');
    const config = join(dir, '.berth', 'run', 'cache.redis.conf');
    assert.equal(statSync(config).mode & 0o777, 0o600, 'the config holds requirepass');
    assert.match(readFileSync(config, 'utf8'), /^requirepass "p@ss \\"w0rd\\" \\\\ \\xc3\\xa9"$/m);
    const aofBefore = statSync(join(data, 'appendonlydir')).birthtimeMs;

    const second = superviseStack(dir);
    try {
      await second.supervisor.up();
      assert.deepEqual(await second.supervisor.waitReady(30_000), { ok: true });
      const url = second.supervisor.lookup('cache', 'url') ?? '';
      assert.equal(await withClient(url, (send) => send(['GET', 'anchor'])), 'kept');
      pgid = second.supervisor.status()[0]?.pid ?? 0;
    } finally {
      await second.supervisor.down();
    }
    assert.deepEqual(listGroupMembers(pgid), []);
    assert.equal(statSync(join(data, 'appendonlydir')).birthtimeMs, aofBefore, 'the AOF folder was not made again');
  });

  it('starts an app that depends on it only once it answers PING, and the URL the app gets works', async () => {
    const { dir } = await makeRedisStack(`${STACK}  app:
    command: [${JSON.stringify(process.execPath)}, -e, "setInterval(() => {}, 1000)"]
    depends_on: { cache: ready }
    env: { REDIS_URL: "\${services.cache.url}" }
`, ENV_FILE);
    const { supervisor, events } = superviseStack(dir);
    try {
      await supervisor.up();
      assert.deepEqual(await supervisor.waitReady(30_000), { ok: true });
      const states = events.filter((e): e is StateEvent => e.type === 'state');
      const cacheReady = states.find((e) => e.status.service === 'cache' && e.status.ready === true);
      const appStart = states.find((e) => e.status.service === 'app' && e.status.phase === 'starting');
      assert.ok(cacheReady !== undefined && appStart !== undefined);
      assert.ok(events.indexOf(appStart) > events.indexOf(cacheReady), 'app spawned after cache was ready');
      assert.doesNotMatch(JSON.stringify(events), /w0rd/, 'the password is in no event');
      const appPid = supervisor.status().find((s) => s.service === 'app')?.pid ?? 0;
      const environ = readFileSync(`/proc/${String(appPid)}/environ`, 'utf8').split('\0');
      const url = environ.find((line) => line.startsWith('REDIS_URL='))?.slice('REDIS_URL='.length) ?? '';
      assert.equal(await withClient(url, (send) => send(['PING'])), 'PONG');
    } finally {
      await supervisor.down();
    }
  });

  it('refuses a folder that holds somebody else\'s files, and leaves it untouched', async () => {
    const { dir } = await makeRedisStack(STACK, { ...ENV_FILE, 'data/cache/notes.txt': 'mine' });
    const { supervisor } = superviseStack(dir);
    try {
      await supervisor.up();
      assert.equal((await supervisor.waitReady(20_000)).ok, false);
      const status = supervisor.status()[0];
      assert.equal(status?.phase, 'failed');
      assert.match(status.reason ?? '', /^BERTH_E_RECIPE_FOREIGN_DATA: data folder .*data\/cache of `cache` is not empty and is not a redis data folder/);
      assert.equal(status.restarts, 0, 'not a restart loop');
    } finally {
      await supervisor.down();
    }
    assert.deepEqual(readdirSync(join(dir, 'data', 'cache')), ['notes.txt']);
  });

  it('says which port is taken instead of starting a server that cannot listen', async () => {
    const { dir, port } = await makeRedisStack(STACK, ENV_FILE);
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve));
    const { supervisor } = superviseStack(dir);
    try {
      await supervisor.up();
      assert.equal((await supervisor.waitReady(20_000)).ok, false);
      assert.match(supervisor.status()[0]?.reason ?? '', new RegExp(`^BERTH_E_RECIPE_PORT_IN_USE: port ${String(port)} of \`cache\` is already in use`));
    } finally {
      await supervisor.down();
      squatter.close();
    }
  });

  it('gives a catalogued error at once when the server does not take the stack\'s password', async () => {
    // `args:` come after the generated config, so this --requirepass wins over `password:`.
    const { dir } = await makeRedisStack(STACK.replace('[--maxmemory, 64mb]', '[--requirepass, another-one]'), ENV_FILE);
    const { supervisor } = superviseStack(dir);
    const started = Date.now();
    let pgid = 0;
    try {
      await supervisor.up();
      pgid = supervisor.status()[0]?.pid ?? 0;
      assert.equal((await supervisor.waitReady(30_000)).ok, false);
      const status = supervisor.status()[0];
      assert.match(status?.reason ?? '', /^BERTH_E_RECIPE_AUTH: `cache` refused Berth's login as `default`: WRONGPASS/);
      assert.doesNotMatch(status?.reason ?? '', /w0rd/, 'the password is never shown');
      assert.equal(status?.restarts, 0);
      assert.ok(Date.now() - started < 25_000, 'well before the start timeout');
    } finally {
      await supervisor.down();
    }
    if (pgid > 0) assert.deepEqual(listGroupMembers(pgid), [], 'the refused server was stopped');
  });

  it('names the package when redis-server is not on PATH', async () => {
    const { dir } = await makeRedisStack(STACK, ENV_FILE);
    const { supervisor } = superviseStack(dir, { PATH: '/nonexistent' });
    try {
      await supervisor.up();
      assert.equal((await supervisor.waitReady(20_000)).ok, false);
      assert.match(supervisor.status()[0]?.reason ?? '', /^BERTH_E_RECIPE_BINARIES: cannot find the redis server for `cache`: no `redis-server` on PATH \(hint: .*apt-get install redis-server/);
    } finally {
      await supervisor.down();
    }
  });
});
