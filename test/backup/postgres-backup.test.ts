import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BackupRecord, BackupSource } from '../../src/backup/backup-types.js';
import { dropLeftoverScratchDatabases } from '../../src/backup/postgres-backup.js';
import { restoreBackup } from '../../src/backup/restore-backup.js';
import { runBackup, runBackupWithHooks } from '../../src/backup/run-backup.js';
import { hashFile } from '../../src/backup/durable-file.js';
import { runCommand } from '../../src/exec/run-command.js';
import { startTestPostgres, type TestPostgres } from './backup-servers.js';
import { listDir, makeJob, readManifest, removeTempDirs, tempDir, truncateHalf, writeKeyFiles } from './backup-test-helpers.js';

describe('postgres backups (real server)', { timeout: 600_000 }, () => {
  let server: TestPostgres;
  const cleanup: string[] = [];
  const source = (database: string, binDir = server.binDir): BackupSource => ({ kind: 'postgres', host: '127.0.0.1', port: server.port, user: 'postgres', password: server.password, database, binDir });
  const target = (database: string, create: boolean) => ({ kind: 'postgres' as const, host: '127.0.0.1', port: server.port, user: 'postgres', password: server.password, database, binDir: server.binDir, create });

  async function plainDump(database: string): Promise<string> {
    const dir = tempDir('plain');
    cleanup.push(dir);
    const file = join(dir, `${database}.sql`);
    const result = await runCommand({ argv: [join(server.binDir, 'pg_dump'), '--format=plain', '--restrict-key=berthtest', `--file=${file}`, '--host=127.0.0.1', `--port=${String(server.port)}`, '--username=postgres', '--no-password', `--dbname=${database}`], env: { PATH: process.env.PATH, PGPASSWORD: server.password }, timeoutMs: 60_000 });
    assert.equal(result.code, 0, result.output);
    return readFileSync(file, 'utf8');
  }

  // Equal texts, or the first line where they differ (a whole dump in an assertion message helps nobody).
  function assertSameDump(found: string, expected: string, message: string): void {
    if (found === expected) return;
    const a = found.split('\n');
    const b = expected.split('\n');
    const at = a.findIndex((line, i) => line !== b[i]);
    assert.fail(`${message}: line ${String(at + 1)} differs: expected ${JSON.stringify(b[at])}, found ${JSON.stringify(a[at])} (${String(b.length)} vs ${String(a.length)} lines)`);
  }

  async function seed(database: string): Promise<void> {
    await server.query('postgres', `CREATE DATABASE ${database}`);
    await server.query(database, 'CREATE SCHEMA sales');
    await server.query(database, 'CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL, price numeric(10,2))');
    await server.query(database, "INSERT INTO items (name, price) SELECT 'item ' || g, g * 1.25 FROM generate_series(1, 500) g");
    await server.query(database, "CREATE TABLE sales.orders (id int PRIMARY KEY, item int REFERENCES items(id), note text, at timestamptz DEFAULT '2020-01-01T00:00:00Z')");
    await server.query(database, "INSERT INTO sales.orders (id, item, note) SELECT g, 1 + g % 500, E'line\\nbreak ' || g FROM generate_series(1, 300) g");
    await server.query(database, 'CREATE TABLE "Mixed Case" (v text)');
    await server.query(database, "INSERT INTO \"Mixed Case\" VALUES ('a'), ('é'), (NULL)");
    await server.query(database, 'CREATE VIEW sales.big_orders AS SELECT * FROM sales.orders WHERE id > 100');
  }

  async function destroy(database: string): Promise<void> {
    await server.query(database, 'DROP SCHEMA sales CASCADE');
    await server.query(database, 'DROP TABLE items, "Mixed Case" CASCADE');
    assert.deepEqual(await server.query(database, "SELECT count(*)::int AS n FROM pg_tables WHERE schemaname IN ('public', 'sales')"), [{ n: 0 }]);
  }

  const scratchDatabases = async (): Promise<unknown[]> => server.query('postgres', "SELECT datname FROM pg_database WHERE datname LIKE 'berth_verify_%'");

  before(async () => {
    server = await startTestPostgres();
    cleanup.push(server.dir);
    await seed('shop');
  });

  after(async () => {
    await server.stop();
    for (const dir of cleanup) rmSync(dir, { recursive: true, force: true });
    removeTempDirs();
  });

  it('round trip: backs up, verifies by restoring into a scratch database, and restores over a destroyed database to the same plain dump', async () => {
    const dir = join(tempDir('pg'), 'backups', 'db');
    cleanup.push(dir);
    const updates: BackupRecord[] = [];
    const job = makeJob('db', source('shop'), dir, updates);
    const record = await runBackup(job);
    assert.equal(record.state, 'verified', record.reason ?? '');
    assert.deepEqual(updates.map((u) => u.state), ['running', 'verified']);
    assert.equal(updates.at(-1), record);
    assert.equal(record.file, join(dir, `${job.id}.dump`));
    assert.deepEqual(listDir(dir), [`${job.id}.dump`, `${job.id}.dump.manifest.json`], 'no partial file is left');
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.equal(statSync(record.file).mode & 0o777, 0o600);
    assert.equal(statSync(`${record.file}.manifest.json`).mode & 0o777, 0o600);
    assert.equal(readFileSync(record.file).subarray(0, 5).toString(), 'PGDMP', 'custom format');
    assert.match(record.serverVersion ?? '', /^PostgreSQL 15\.\d+$/);
    assert.deepEqual(record.verification && { ...record.verification, ms: 0 }, { kind: 'postgres', ok: true, tables: 3, rows: 803, mismatches: [], ms: 0 });
    const { sha256, size } = await hashFile(record.file);
    assert.equal(record.sha256, sha256);
    assert.equal(record.size, size);
    const manifest = readManifest(record.file);
    assert.equal(manifest.state, 'verified');
    assert.equal(manifest.sha256, sha256);
    assert.equal(manifest.service, 'db');
    assert.equal(manifest.kind, 'postgres');
    assert.equal(manifest.encrypted, false);
    assert.equal(manifest.serverVersion, record.serverVersion);
    assert.ok(!readFileSync(`${record.file}.manifest.json`, 'utf8').includes(server.password), 'no password in the manifest');
    assert.deepEqual(await scratchDatabases(), [], 'the scratch database was dropped');

    const before = await plainDump('shop');
    await destroy('shop');
    await restoreBackup(record, target('shop', false), { encryptKeyFile: null });
    assertSameDump(await plainDump('shop'), before, 'a plain dump after the restore equals one before');

    // --to NAME: beside the live database; an existing name is refused.
    await restoreBackup(record, target('shop_copy', true), { encryptKeyFile: null });
    assertSameDump(await plainDump('shop_copy'), before, 'the copy beside it');
    await assert.rejects(restoreBackup(record, target('shop_copy', true), { encryptKeyFile: null }), /expected no database of that name, found one/);

    // A changed file and a record that is not verified are refused.
    await assert.rejects(restoreBackup({ ...record, state: 'failed', reason: 'x' }, target('shop', false), { encryptKeyFile: null }), /expected a verified backup, found state failed/);
    appendFileSync(record.file, 'x');
    await assert.rejects(restoreBackup(record, target('shop', false), { encryptKeyFile: null }), /sha256 [0-9a-f]{64}, expected [0-9a-f]{64}/);
    assertSameDump(await plainDump('shop'), before, 'a refused restore changed nothing');
  });

  it('counts rows in the snapshot pg_dump dumps, while writes go on', async () => {
    await server.query('shop', 'CREATE TABLE busy (id bigserial PRIMARY KEY, v int)');
    const dir = join(tempDir('pg'), 'db');
    cleanup.push(dir);
    let writing = true;
    const writer = (async () => {
      while (writing) await server.query('shop', 'INSERT INTO busy (v) SELECT g FROM generate_series(1, 50) g');
    })();
    try {
      const record = await runBackup(makeJob('db', source('shop'), dir, []));
      assert.equal(record.state, 'verified', record.reason ?? '');
      assert.equal(record.verification?.kind === 'postgres' && record.verification.mismatches.length, 0);
    } finally {
      writing = false;
      await writer;
      await server.query('shop', 'DROP TABLE busy');
    }
  });

  it('encrypted round trip: the stored file is AES-256-GCM, verified by decrypting it; a wrong or missing key is refused', async () => {
    const base = tempDir('pg-enc');
    cleanup.push(base);
    const keys = writeKeyFiles(base);
    const dir = join(base, 'db');
    const job = makeJob('db', source('shop'), dir, [], keys.key);
    const record = await runBackup(job);
    assert.equal(record.state, 'verified', record.reason ?? '');
    assert.equal(record.encrypted, true);
    assert.equal(record.file, join(dir, `${job.id}.dump.enc`));
    assert.deepEqual(listDir(dir), [`${job.id}.dump.enc`, `${job.id}.dump.enc.manifest.json`], 'no plain or partial file is left');
    const stored = readFileSync(record.file);
    assert.equal(stored.subarray(0, 8).toString(), 'BERTHENC');
    assert.ok(!stored.includes(Buffer.from('PGDMP')) && !stored.includes(Buffer.from('Mixed Case')), 'nothing readable in the stored file');
    assert.ok(!readFileSync(`${record.file}.manifest.json`, 'utf8').includes(readFileSync(keys.key, 'utf8').trim()), 'the key is not in the manifest');

    const before = await plainDump('shop');
    await destroy('shop');
    await assert.rejects(restoreBackup(record, target('shop', false), { encryptKeyFile: keys.wrong }), /decryption failed: the key is not the one it was encrypted with/);
    await assert.rejects(restoreBackup(record, target('shop', false), { encryptKeyFile: null }), /encrypted and no key file was given/);
    await restoreBackup(record, target('shop', false), { encryptKeyFile: keys.key });
    assertSameDump(await plainDump('shop'), before, 'after the encrypted round trip');
    assert.deepEqual(listDir(dir), [`${job.id}.dump.enc`, `${job.id}.dump.enc.manifest.json`], 'the decrypted copy is gone');

    const badKey = join(base, 'short.key');
    writeFileSync(badKey, 'not a key\n');
    const bad = await runBackup(makeJob('db', source('shop'), dir, [], badKey));
    assert.equal(bad.state, 'failed');
    assert.match(bad.reason ?? '', new RegExp(`encryption key file ${badKey}: expected 32 raw bytes, 64 hex characters or base64 of 32 bytes.*found 10 bytes`));
  });

  it('a dump corrupted between dump and verification is failed, and leaves no file that looks complete', async () => {
    const dir = join(tempDir('pg'), 'db');
    cleanup.push(dir);
    const updates: BackupRecord[] = [];
    const job = makeJob('db', source('shop'), dir, updates);
    const record = await runBackupWithHooks(job, { beforeVerify: truncateHalf });
    assert.equal(record.state, 'failed');
    assert.deepEqual(updates.map((u) => u.state), ['running', 'failed']);
    assert.match(record.reason ?? '', /restoring the dump into the scratch database failed: pg_restore exited with status 1/);
    assert.equal(record.sha256, null);
    assert.deepEqual(listDir(dir), [`${job.id}.dump.manifest.json`], 'only the manifest of the failure');
    const manifest = readManifest(record.file);
    assert.equal(manifest.state, 'failed');
    assert.equal(manifest.reason, record.reason);
    assert.deepEqual(await scratchDatabases(), [], 'the scratch database was dropped after the failure too');
    await assert.rejects(restoreBackup(record, target('shop', false), { encryptKeyFile: null }), /expected a verified backup/);

    // Encrypted: a flipped byte in the stored file fails authentication.
    const keys = writeKeyFiles(dir);
    const flip = (file: string): void => {
      const data = readFileSync(file);
      data[data.length - 100] = (data[data.length - 100] ?? 0) ^ 1;
      writeFileSync(file, data);
    };
    const encrypted = await runBackupWithHooks(makeJob('db', source('shop'), dir, [], keys.key), { beforeVerify: flip });
    assert.equal(encrypted.state, 'failed');
    assert.match(encrypted.reason ?? '', /decryption failed/);
  });

  it('pg_dump failing (exit status) or reporting `pg_dump: error` on stderr with status 0 is failed', async () => {
    const base = tempDir('pg-fake');
    cleanup.push(base);
    for (const [name, script] of [
      ['exit-status', `"${join(server.binDir, 'pg_dump')}" "$@" || exit $?\necho 'pg_dump: warning: late trouble' >&2\nexit 3\n`],
      ['stderr-error', `"${join(server.binDir, 'pg_dump')}" "$@" || exit $?\necho 'pg_dump: error: query failed: server closed the connection unexpectedly' >&2\nexit 0\n`],
    ] as const) {
      const binDir = join(base, name);
      mkdirSync(binDir);
      writeFileSync(join(binDir, 'pg_dump'), `#!/bin/sh\n${script}`);
      chmodSync(join(binDir, 'pg_dump'), 0o755);
      symlinkSync(join(server.binDir, 'pg_restore'), join(binDir, 'pg_restore'));
      const dir = join(base, `${name}-backups`);
      const record = await runBackup(makeJob('db', source('shop', binDir), dir, []));
      assert.equal(record.state, 'failed', name);
      assert.match(record.reason ?? '', name === 'exit-status' ? /^pg_dump exited with status 3: .*late trouble/ : /^pg_dump exited 0 but reported an error: pg_dump: error: query failed/);
      assert.deepEqual(listDir(dir).filter((f) => !f.endsWith('.manifest.json')), [], 'no dump file is left');
    }
  });

  it('a full disk (1 MB tmpfs) is failed with the reason and leaves no partial file', async (t) => {
    await server.query('postgres', 'CREATE DATABASE big');
    await server.query('big', 'CREATE TABLE blob (id int, v text)');
    // ~3.8 MB of hex that gzip cannot shrink below 1 MB.
    await server.query('big', 'INSERT INTO blob SELECT g, md5(random()::text) || md5(random()::text) FROM generate_series(1, 60000) g');
    const dir = tempDir('pg-full');
    cleanup.push(dir);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0700', 'tmpfs', dir], { stdio: 'pipe' });
    } catch (error) {
      // Without the right to mount (not root, or a container without CAP_SYS_ADMIN) there is no honest small disk.
      t.skip(`cannot mount a tmpfs here: ${(error as Error).message}`);
      return;
    }
    try {
      const updates: BackupRecord[] = [];
      const job = makeJob('db', source('big'), dir, updates);
      const record = await runBackup(job);
      assert.equal(record.state, 'failed');
      assert.match(record.reason ?? '', /^pg_dump exited with status 1: .*(No space left on device|could not write)/);
      assert.ok(!listDir(dir).some((f) => f.endsWith('.partial') || f.endsWith('.dump')), `no dump or partial file: ${listDir(dir).join(', ')}`);
      assert.equal(readManifest(record.file).state, 'failed', 'the failure is written down once the space is back');
      assert.deepEqual(updates.map((u) => u.state), ['running', 'failed']);
    } finally {
      execFileSync('umount', [dir]);
    }
  });

  it('drops the scratch databases a killed verification left, and no database a user named alike', async () => {
    await server.query('postgres', 'CREATE DATABASE berth_verify_0123456789ab');
    await server.query('postgres', 'CREATE DATABASE berth_verify_mine');
    try {
      assert.deepEqual(await dropLeftoverScratchDatabases({ kind: 'postgres', host: '127.0.0.1', port: server.port, user: 'postgres', password: server.password, database: 'postgres', binDir: server.binDir }), ['berth_verify_0123456789ab']);
      assert.deepEqual(await scratchDatabases(), [{ datname: 'berth_verify_mine' }]);
    } finally {
      await server.query('postgres', 'DROP DATABASE IF EXISTS berth_verify_mine');
      await server.query('postgres', 'DROP DATABASE IF EXISTS berth_verify_0123456789ab');
    }
  });

  it('a stopped database is failed with the connection refused, and no file is left', async () => {
    const dir = join(tempDir('pg'), 'db');
    cleanup.push(dir);
    await server.stop();
    try {
      const record = await runBackup(makeJob('db', source('shop'), dir, []));
      assert.equal(record.state, 'failed');
      assert.match(record.reason ?? '', new RegExp(`^cannot connect to PostgreSQL at 127\\.0\\.0\\.1:${String(server.port)} \\(database shop, user postgres\\): .*ECONNREFUSED`));
      assert.ok(!(record.reason ?? '').includes(server.password));
      assert.equal(record.serverVersion, null);
      assert.ok(!existsSync(record.file) && !existsSync(`${record.file}.partial`));
    } finally {
      await server.start();
    }
  });
});
