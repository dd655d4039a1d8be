import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BackupRecord, BackupSource } from '../../src/backup/backup-types.js';
import { restoreBackup } from '../../src/backup/restore-backup.js';
import { runBackup, runBackupWithHooks } from '../../src/backup/run-backup.js';
import { startTestRedis, type TestRedis } from './backup-servers.js';
import { listDir, makeJob, readManifest, removeTempDirs, tempDir, truncateHalf, writeKeyFiles } from './backup-test-helpers.js';

describe('redis backups (real server, AOF on as the recipe runs it)', { timeout: 300_000 }, () => {
  let server: TestRedis;
  const cleanup: string[] = [];
  const source = (): Extract<BackupSource, { kind: 'redis' }> => ({ kind: 'redis', host: '127.0.0.1', port: server.port, password: server.password, dataDir: server.dataDir, binDir: null });

  // Every key of every database with its type, value and whether it expires, in a stable order.
  async function dumpAll(): Promise<string[]> {
    const out: string[] = [];
    for (let db = 0; db < 16; db++) {
      const keys = ((await server.send(['KEYS', '*'], db)) as string[]).sort();
      for (const key of keys) {
        const type = String(await server.send(['TYPE', key], db));
        const value = type === 'string' ? await server.send(['GET', key], db)
          : type === 'hash' ? await server.send(['HGETALL', key], db)
            : type === 'list' ? await server.send(['LRANGE', key, '0', '-1'], db)
              : type === 'set' ? ((await server.send(['SMEMBERS', key], db)) as string[]).sort()
                : await server.send(['ZRANGE', key, '0', '-1', 'WITHSCORES'], db);
        const ttl = Number(await server.send(['TTL', key], db));
        out.push(`${String(db)} ${key} ${type} ${JSON.stringify(value)} ${ttl > 0 ? 'expires' : 'persistent'}`);
      }
    }
    return out;
  }

  async function seed(): Promise<void> {
    await server.send(['SET', 'greeting', 'hello\r\nworld é']);
    await server.send(['HSET', 'user:1', 'name', 'Ada', 'role', 'admin']);
    await server.send(['RPUSH', 'queue', 'a', 'b', 'c']);
    await server.send(['SADD', 'tags', 'x', 'y']);
    await server.send(['ZADD', 'scores', '1.5', 'p', '2', 'q']);
    await server.send(['SET', 'session', 'token', 'EX', '86400']);
    for (let i = 0; i < 200; i++) await server.send(['SET', `bulk:${String(i)}`, String(i)]);
    await server.send(['SET', 'other-db', 'kept'], 3);
  }

  before(async () => {
    server = await startTestRedis();
    cleanup.push(dirname(dirname(server.dataDir)));
    await seed();
  });

  after(async () => {
    await server.stop();
    for (const dir of cleanup) rmSync(dir, { recursive: true, force: true });
    removeTempDirs();
  });

  it('round trip: BGSAVE snapshot copied and verified; after FLUSHALL, restore and a restart with appendonly yes give the same keys and values', async () => {
    assert.match(String(await server.send(['INFO', 'persistence'])), /aof_enabled:1/, 'AOF is on, as the recipe runs it');
    const dir = join(tempDir('redis'), 'cache');
    cleanup.push(dir);
    const updates: BackupRecord[] = [];
    const job = makeJob('cache', source(), dir, updates);
    const record = await runBackup(job);
    assert.equal(record.state, 'verified', record.reason ?? '');
    assert.deepEqual(updates.map((u) => u.state), ['running', 'verified']);
    assert.equal(record.file, join(dir, `${job.id}.rdb`));
    assert.deepEqual(listDir(dir), [`${job.id}.rdb`, `${job.id}.rdb.manifest.json`]);
    assert.equal(statSync(record.file).mode & 0o777, 0o600);
    assert.equal(readFileSync(record.file).subarray(0, 5).toString(), 'REDIS');
    assert.match(record.serverVersion ?? '', /^Redis 7\.\d+\.\d+$/);
    const verification = record.verification;
    assert.ok(verification?.kind === 'redis');
    assert.equal(verification.keys, 207, 'all databases counted');
    assert.equal(verification.loadedKeys, 207);
    assert.match(verification.detail, /redis-check-rdb: OK; a scratch server loaded 207 keys/);
    assert.equal(readManifest(record.file).state, 'verified');
    assert.ok(!readFileSync(`${record.file}.manifest.json`, 'utf8').includes(server.password));

    const before = await dumpAll();
    assert.equal(before.length, 207);
    await assert.rejects(restoreBackup(record, { ...source() }, { encryptKeyFile: null }), /expected nothing listening on port \d+, found something/, 'refused while the server runs');
    await server.send(['FLUSHALL']);
    await server.stop();
    const oldFiles = readdirSync(server.dataDir).sort();
    assert.deepEqual(oldFiles, ['appendonlydir', 'dump.rdb']);
    await restoreBackup(record, source(), { encryptKeyFile: null });
    await server.start();
    assert.deepEqual(await dumpAll(), before, 'keys and values equal after the restart with appendonly yes');
    // The replaced files were moved aside beside the data folder, never deleted.
    const aside = readdirSync(dirname(server.dataDir)).filter((name) => name.startsWith(`${basename(server.dataDir)}.replaced-`));
    assert.equal(aside.length, 1);
    assert.deepEqual(readdirSync(join(dirname(server.dataDir), aside[0] ?? '')).sort(), ['appendonlydir', 'dump.rdb']);
    // And they survive one more restart (the AOF holds them, not only the RDB).
    await server.send(['SET', 'after-restore', '1']);
    await server.stop();
    await server.start();
    assert.equal(await server.send(['GET', 'after-restore']), '1');
    assert.equal(await server.send(['GET', 'greeting']), 'hello\r\nworld é');
    await server.send(['DEL', 'after-restore']);
  });

  it('encrypted round trip: verified by decrypting the stored file; a wrong key is refused and changes nothing', async () => {
    const base = tempDir('redis-enc');
    cleanup.push(base);
    const keys = writeKeyFiles(base);
    const dir = join(base, 'cache');
    const job = makeJob('cache', source(), dir, [], keys.key);
    const record = await runBackup(job);
    assert.equal(record.state, 'verified', record.reason ?? '');
    assert.equal(record.file, join(dir, `${job.id}.rdb.enc`));
    assert.deepEqual(listDir(dir), [`${job.id}.rdb.enc`, `${job.id}.rdb.enc.manifest.json`]);
    const stored = readFileSync(record.file);
    assert.ok(stored.subarray(0, 8).toString() === 'BERTHENC' && !stored.includes(Buffer.from('greeting')));

    const before = await dumpAll();
    await server.send(['FLUSHALL']);
    await server.stop();
    const filesBefore = readdirSync(dirname(server.dataDir)).sort();
    await assert.rejects(restoreBackup(record, source(), { encryptKeyFile: keys.wrong }), /decryption failed/);
    assert.deepEqual(readdirSync(dirname(server.dataDir)).sort(), filesBefore, 'a refused restore moved nothing');
    await restoreBackup(record, source(), { encryptKeyFile: keys.key });
    await server.start();
    assert.deepEqual(await dumpAll(), before);
  });

  it('a truncated RDB is failed by redis-check-rdb and leaves only the manifest of the failure', async () => {
    const dir = join(tempDir('redis'), 'cache');
    cleanup.push(dir);
    const job = makeJob('cache', source(), dir, []);
    const record = await runBackupWithHooks(job, { beforeVerify: truncateHalf });
    assert.equal(record.state, 'failed');
    assert.match(record.reason ?? '', /^verification failed: redis-check-rdb found the file damaged/);
    assert.equal(record.verification?.kind, 'redis', 'the failed verification is recorded');
    assert.equal(record.verification.ok, false);
    assert.deepEqual(listDir(dir), [`${job.id}.rdb.manifest.json`]);
    assert.equal(readManifest(record.file).state, 'failed');
  });

  it('a stopped server is failed with the connection refused', async () => {
    const dir = join(tempDir('redis'), 'cache');
    cleanup.push(dir);
    await server.stop();
    try {
      const record = await runBackup(makeJob('cache', source(), dir, []));
      assert.equal(record.state, 'failed');
      assert.match(record.reason ?? '', new RegExp(`^cannot connect to Redis at 127\\.0\\.0\\.1:${String(server.port)}: .*(ECONNREFUSED|connect)`));
      assert.ok(!existsSync(record.file) && !existsSync(`${record.file}.partial`));
    } finally {
      await server.start();
    }
  });
});
