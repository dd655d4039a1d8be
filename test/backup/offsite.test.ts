import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { manifestPath } from '../../src/backup/backup-catalog.js';
import type { BackupRecord } from '../../src/backup/backup-types.js';
import { checkOffsite, copyOffsite, redactRclone, remotePath } from '../../src/backup/offsite.js';
import { writeFiles } from '../helpers/temp-stack.js';

const TIMEOUT_MS = 30_000;

/** A verified backup file with its manifest in a fresh `.berth/backups/db/`, and an rclone config with a `[local]` remote. */
function setup(content = 'PGDMP fake dump\n'.repeat(1000)): { root: string; record: BackupRecord; env: Record<string, string> } {
  const root = writeFiles({});
  const folder = join(root, '.berth', 'backups', 'db');
  mkdirSync(folder, { recursive: true });
  const id = 'db-20250601T030000Z';
  const file = join(folder, `${id}.dump`);
  writeFileSync(file, content);
  const record: BackupRecord = {
    id,
    service: 'db',
    kind: 'postgres',
    state: 'verified',
    trigger: 'schedule',
    startedAt: Date.UTC(2025, 5, 1, 3),
    finishedAt: Date.UTC(2025, 5, 1, 3, 1),
    file,
    size: Buffer.byteLength(content),
    sha256: createHash('sha256').update(content).digest('hex'),
    serverVersion: 'PostgreSQL 15.18',
    encrypted: false,
    verification: { kind: 'postgres', ok: true, tables: 1, rows: 1, mismatches: [], ms: 1 },
    reason: null,
    offsite: null,
  };
  writeFileSync(manifestPath(file), JSON.stringify({ ...record, id: undefined }));
  const config = join(root, 'rclone.conf');
  writeFileSync(config, '[local]\ntype = local\n');
  return { root, record, env: { RCLONE_CONFIG: config } };
}

function obscure(password: string): string {
  const result = spawnSync('rclone', ['obscure', password], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout.trim();
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => { resolve(); }));
  assert.ok(address !== null && typeof address === 'object');
  return address.port;
}

describe('copyOffsite with a real rclone', () => {
  it('copies a verified backup and its manifest to a configured remote and checks the sha256', async () => {
    const { root, record, env } = setup();
    const target = join(root, 'offsite', 'db');
    const copy = await copyOffsite(record, `local:${target}`, { env, timeoutMs: TIMEOUT_MS, now: () => 42 });
    assert.deepEqual(copy, { remote: `local:${target}`, state: 'copied', checked: true, reason: null, at: 42 });
    assert.deepEqual(readFileSync(join(target, `${record.id}.dump`)), readFileSync(record.file));
    assert.deepEqual(readFileSync(join(target, `${record.id}.dump.manifest.json`)), readFileSync(manifestPath(record.file)));
    // Copying again (the next run) is fine.
    assert.equal((await copyOffsite(record, `local:${target}/`, { env, timeoutMs: TIMEOUT_MS })).state, 'copied');
  });

  it('works with an on-the-fly connection string (no config file)', async () => {
    const { root, record } = setup();
    const target = join(root, 'adhoc');
    const copy = await copyOffsite(record, `:local:${target}`, { env: { RCLONE_CONFIG: join(root, 'none.conf') }, timeoutMs: TIMEOUT_MS });
    assert.equal(copy.state, 'copied', copy.reason ?? '');
    assert.equal(copy.checked, true);
    assert.ok(existsSync(join(target, `${record.id}.dump`)));
  });

  it('falls back to --download on a backend without sha256 (crypt): the copy is unreadable and still checked', async () => {
    const { root, record, env } = setup();
    const store = join(root, 'encrypted');
    writeFileSync(env.RCLONE_CONFIG!, `[local]\ntype = local\n\n[vault]\ntype = crypt\nremote = local:${store}\npassword = ${obscure('correct horse battery staple')}\n`);
    const copy = await copyOffsite(record, 'vault:db', { env, timeoutMs: TIMEOUT_MS });
    assert.equal(copy.state, 'copied', copy.reason ?? '');
    assert.equal(copy.checked, true);
    const stored = spawnSync('find', [store, '-type', 'f'], { encoding: 'utf8' }).stdout.trim().split('\n');
    assert.equal(stored.length, 2, 'file and manifest, names encrypted');
    for (const path of stored) assert.ok(!readFileSync(path).includes('PGDMP'), 'the content is encrypted');
  });

  it('detects a corrupted remote copy by its checksum', async () => {
    const { root, record, env } = setup();
    const target = join(root, 'offsite');
    assert.equal((await copyOffsite(record, `local:${target}`, { env, timeoutMs: TIMEOUT_MS })).checked, true);
    const remoteFile = join(target, `${record.id}.dump`);
    const bytes = readFileSync(remoteFile);
    bytes[100] = bytes[100]! ^ 0xff;
    writeFileSync(remoteFile, bytes);
    const check = await checkOffsite(record, `local:${target}`, { env, timeoutMs: TIMEOUT_MS });
    assert.equal(check.state, 'failed');
    assert.equal(check.checked, false);
    const found = createHash('sha256').update(bytes).digest('hex');
    assert.equal(check.reason, `the off-site copy local:${target}/${record.id}.dump is corrupt: expected sha256 ${record.sha256!} (the verified backup), found ${found}; hint: it is copied again on the next run; if this repeats, check the remote's storage`);
  });

  it('a copy missing on the remote fails the check with rclone\'s message', async () => {
    const { root, record, env } = setup();
    const check = await checkOffsite(record, `local:${join(root, 'empty')}`, { env, timeoutMs: TIMEOUT_MS });
    assert.equal(check.state, 'failed');
    assert.match(check.reason ?? '', /^rclone hashsum sha256 local:.*empty\/db-20250601T030000Z\.dump failed \(exit \d+\): .*not found.*; hint: check the remote with `rclone lsd /);
  });

  it('an unreachable sftp remote (closed loopback port) fails fast with the reason, its password never echoed', async () => {
    const { record, env } = setup();
    const port = await closedPort();
    const pass = obscure('hunter2-very-secret');
    const remote = `:sftp,host=127.0.0.1,port=${String(port)},user=berth,pass=${pass}:backups`;
    const started = Date.now();
    const copy = await copyOffsite(record, remote, { env, timeoutMs: TIMEOUT_MS });
    assert.ok(Date.now() - started < 5_000, `took ${String(Date.now() - started)} ms`);
    assert.equal(copy.state, 'failed');
    assert.equal(copy.checked, false);
    assert.match(copy.reason ?? '', /^rclone copyto db-20250601T030000Z\.dump to :sftp,.*failed \(exit 1\): .*connection refused.*; hint: /);
    assert.ok(!JSON.stringify(copy).includes(pass), JSON.stringify(copy));
    assert.ok(!JSON.stringify(copy).includes('hunter2'));
    assert.equal(copy.remote, `:sftp,host=127.0.0.1,port=${String(port)},user=berth,pass=<redacted>:backups`);
  });

  it('a remote name missing from the config fails with rclone\'s message', async () => {
    const { record, env } = setup();
    const copy = await copyOffsite(record, 'nowhere:berth/db', { env, timeoutMs: TIMEOUT_MS });
    assert.equal(copy.state, 'failed');
    assert.match(copy.reason ?? '', /^rclone copyto db-20250601T030000Z\.dump to nowhere:berth\/db\/db-20250601T030000Z\.dump failed \(exit 1\): .*didn't find section in config file.*; hint: check the remote with `rclone lsd nowhere:berth\/db` under the same RCLONE_CONFIG$/);
  });

  it('copies only verified backups whose file still matches the record, and says so without running rclone', async () => {
    const { root, record, env } = setup();
    const options = { env, timeoutMs: TIMEOUT_MS, rcloneBin: join(root, 'no-rclone-here') };
    const target = `local:${join(root, 'offsite')}`;
    for (const state of ['failed', 'running'] as const) {
      const copy = await copyOffsite({ ...record, state }, target, options);
      assert.equal(copy.state, 'failed');
      assert.equal(copy.reason, `expected a verified backup to copy off-site, found ${record.id} ${state}; hint: only backups verified by restoring them are copied off-site`);
    }
    writeFileSync(record.file, 'changed after verification');
    const changed = await copyOffsite(record, target, options);
    assert.match(changed.reason ?? '', /^expected the local file .*\.dump to have the sha256 recorded when it was verified \([0-9a-f]{64}\), found [0-9a-f]{64}; hint: the backup changed after its verification/);
    const missing = await copyOffsite({ ...record, file: join(root, 'gone.dump') }, target, options);
    assert.match(missing.reason ?? '', /^expected .*gone\.dump to copy off-site, found no such file/);
    assert.ok(!existsSync(join(root, 'offsite')));
  });

  it('says when rclone cannot be run', async () => {
    const { root, record, env } = setup();
    const copy = await copyOffsite(record, `local:${join(root, 'x')}`, { env, timeoutMs: TIMEOUT_MS, rcloneBin: join(root, 'no-rclone-here') });
    assert.equal(copy.state, 'failed');
    assert.match(copy.reason ?? '', /expected rclone to run, found .*ENOENT.*; hint: install rclone \(Debian: apt-get install rclone\)/);
  });
});

describe('remotePath and redactRclone', () => {
  it('joins a remote and a file name', () => {
    assert.equal(remotePath('b2:bucket/berth/', 'x.dump'), 'b2:bucket/berth/x.dump');
    assert.equal(remotePath('b2:', 'x.dump'), 'b2:x.dump');
    assert.equal(remotePath(':local:/tmp/a', 'x.dump'), ':local:/tmp/a/x.dump');
  });

  it('blanks credentials in connection strings, config lines, JSON tokens and URLs', () => {
    assert.equal(redactRclone(':sftp,host=h,user=u,pass=abc123,key_file=/k:dir'), ':sftp,host=h,user=u,pass=<redacted>,key_file=<redacted>:dir');
    assert.equal(redactRclone(':s3,access_key_id=AKIA,secret_access_key="a,b":bucket'), ':s3,access_key_id=<redacted>,secret_access_key=<redacted>:bucket');
    assert.equal(redactRclone('[b2]\ntype = b2\naccount = 123\nkey = K001xyz\n'), '[b2]\ntype = b2\naccount = 123\nkey = <redacted>\n');
    assert.equal(redactRclone('token = {"access_token":"ya29.abc","refresh_token":"1//x","expiry":"2025"}'), 'token = <redacted>');
    assert.equal(redactRclone('bad token {"access_token":"ya29.abc","expiry":"2025"}'), 'bad token {"access_token":"<redacted>","expiry":"2025"}');
    assert.equal(redactRclone(':webdav,url=https://me:pw@dav.example.com:x'), ':webdav,url=https://me:<redacted>@dav.example.com:x');
    assert.equal(redactRclone('b2:bucket/berth'), 'b2:bucket/berth');
  });
});
