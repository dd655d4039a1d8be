import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { createClient } from 'redis';
import type { BackupRecord } from '../../src/backup/backup-types.js';
import { main } from '../../src/cli/main.js';
import { allocatePort } from '../../src/supervisor/allocate-port.js';
import { captureIo } from '../helpers/capture-io.js';
import { makePostgresStack, query, requirePostgres } from '../recipes/postgres-helpers.js';
import { requireRedis } from '../recipes/redis-helpers.js';

const echo = join(import.meta.dirname, '..', 'fixtures', 'echo-instance.mjs');
const env = { PATH: process.env.PATH ?? '' };

async function backups(dir: string, service?: string): Promise<BackupRecord[]> {
  const io = captureIo(dir, env);
  assert.equal(await main(['backups', ...(service === undefined ? [] : [service]), '--json'], io), 0, io.err());
  return JSON.parse(io.out()) as BackupRecord[];
}

async function statusOf(dir: string): Promise<{ service: string; pid: number | null; phase: string }[]> {
  const io = captureIo(dir, env);
  assert.equal(await main(['status', '--json'], io), 0, io.err());
  return (JSON.parse(io.out()) as { instances: { service: string; pid: number | null; phase: string }[] }).instances;
}

describe('backups under the daemon', { timeout: 240_000 }, () => {
  before(() => {
    requirePostgres();
    requireRedis();
  });

  it('backs up postgres, redis and files verified, restores each over destroyed data with dependents stopped and started again, refuses a stopped database, and runs a missed schedule at start', async () => {
    const redisPort = await allocatePort();
    const { dir, port } = await makePostgresStack(`services:
  db: { recipe: postgres, port: PORT, data: ./data/db, database: shop, user: shop, password: shop-secret }
  cache: { recipe: redis, port: ${String(redisPort)}, data: ./data/cache, backup: { schedule: "* * * * *" } }
  api: { command: ${process.execPath} ${echo}, http: {}, ready: { http: /health }, depends_on: [db, cache] }
  files: { command: ${process.execPath} ${echo}, http: {}, backup: { paths: [uploads] } }
`, { 'uploads/a.txt': 'first upload\n', 'uploads/deep/b.bin': 'x'.repeat(5000) });
    const roleUrl = `postgres://shop:shop-secret@127.0.0.1:${String(port)}/shop`;
    try {
      const up = captureIo(dir, env);
      assert.equal(await main(['up', '-d'], up), 0, up.err());
      // The cache's every-minute schedule had an occurrence before this daemon started and no backup: it runs once.
      const deadline = Date.now() + 60_000;
      while (!(await backups(dir, 'cache')).some((b) => b.trigger === 'missed' && b.state !== 'running')) {
        if (Date.now() > deadline) throw new Error('no missed backup of cache');
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      assert.equal((await backups(dir, 'cache')).find((b) => b.trigger === 'missed')?.state, 'verified');

      await query(roleUrl, 'CREATE TABLE orders (id serial PRIMARY KEY, item text NOT NULL)');
      await query(roleUrl, "INSERT INTO orders (item) SELECT 'item ' || g FROM generate_series(1, 250) g");
      const redis = createClient({ url: `redis://127.0.0.1:${String(redisPort)}` });
      // Without a listener, a dropped idle connection (a loaded CI machine) is an uncaught 'error' that ends the run;
      // the client reconnects by itself, and what the test checks is the data.
      redis.on('error', () => undefined);
      await redis.connect();
      for (let i = 0; i < 100; i += 1) await redis.set(`key:${String(i)}`, `value ${String(i)}`);

      const run = captureIo(dir, env);
      assert.equal(await main(['backup'], run), 0, run.err());
      const taken = await backups(dir);
      for (const service of ['db', 'cache', 'files']) {
        const newest = taken.find((b) => b.service === service);
        assert.equal(newest?.state, 'verified', `${service}: ${JSON.stringify(newest)}`);
        assert.ok(existsSync(newest.file) && existsSync(`${newest.file}.manifest.json`), `${service} file and manifest`);
      }
      assert.match(run.out(), /db-\d{8}T\d{6}Z\S* +verified +postgres +manual .* 1 tables?, 250 rows restored/);

      // Destroy, then restore each.
      await query(roleUrl, 'DELETE FROM orders WHERE id > 10');
      await redis.flushAll();
      await redis.quit();
      rmSync(join(dir, 'uploads'), { recursive: true });
      mkdirSync(join(dir, 'uploads'));
      writeFileSync(join(dir, 'uploads', 'a.txt'), 'overwritten\n');
      const apiBefore = (await statusOf(dir)).find((s) => s.service === 'api')?.pid;

      const restoreDb = captureIo(dir, env);
      assert.equal(await main(['restore', 'db'], restoreDb), 0, restoreDb.err());
      assert.match(restoreDb.out(), /db: restored db-\S+ \(safety backup db-\S+ taken first\); started again: db, api/);
      assert.deepEqual(await query(roleUrl, 'SELECT count(*)::int AS n FROM orders'), [{ n: 250 }]);
      const apiAfter = (await statusOf(dir)).find((s) => s.service === 'api');
      assert.notEqual(apiAfter?.pid, apiBefore, 'the dependent was stopped and started again');
      const safety = (await backups(dir, 'db')).find((b) => b.trigger === 'restore');
      assert.equal(safety?.state, 'verified', 'the safety backup holds the destroyed state');

      const restoreCache = captureIo(dir, env);
      assert.equal(await main(['restore', 'cache'], restoreCache), 0, restoreCache.err());
      const again = createClient({ url: `redis://127.0.0.1:${String(redisPort)}` });
      again.on('error', () => undefined);
      await again.connect();
      assert.equal(await again.dbSize(), 100);
      assert.equal(await again.get('key:42'), 'value 42');
      await again.quit();

      const restoreFiles = captureIo(dir, env);
      assert.equal(await main(['restore', 'files'], restoreFiles), 0, restoreFiles.err());
      assert.equal(readFileSync(join(dir, 'uploads', 'a.txt'), 'utf8'), 'first upload\n');
      assert.equal(readFileSync(join(dir, 'uploads', 'deep', 'b.bin'), 'utf8').length, 5000);

      // A stopped database: the backup fails, says why, and nothing is recorded as good.
      const stop = captureIo(dir, env);
      assert.equal(await main(['stop', 'db'], stop), 0, stop.err());
      const failing = captureIo(dir, env);
      assert.equal(await main(['backup', 'db'], failing), 1);
      assert.match(failing.err(), /BERTH_E_BACKUP_FAILED: the backup of db failed: .+/);
      const afterStop = await backups(dir, 'db');
      assert.equal(afterStop[0]?.state, 'failed');
      assert.ok(afterStop.some((b) => b.state === 'verified'), 'earlier verified backups are kept');
      const events = captureIo(dir, env);
      assert.equal(await main(['events', '--type', 'backup_failed', '--json'], events), 0, events.err());
      assert.match(events.out(), /backup_failed/);
      assert.equal(events.out().includes('shop-secret'), false, 'no password in events');
    } finally {
      await main(['down'], captureIo(dir, env));
    }
  });
});
