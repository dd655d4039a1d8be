import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, describe, it } from 'node:test';
import type { BackupRecord, BackupSource } from '../../src/backup/backup-types.js';
import { parseTarListing } from '../../src/backup/files-backup.js';
import { restoreBackup } from '../../src/backup/restore-backup.js';
import { removeInterruptedFiles, runBackup, runBackupWithHooks } from '../../src/backup/run-backup.js';
import { listDir, makeJob, readManifest, removeTempDirs, tempDir, truncateHalf, writeKeyFiles } from './backup-test-helpers.js';

// Every entry under `root` in `paths`: type, mode, and content hash or link target.
function tree(root: string, paths: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (path: string): void => {
    const stat = lstatSync(path);
    const rel = relative(root, path);
    if (stat.isSymbolicLink()) out.push(`${rel} link ${readlinkSync(path)}`);
    else if (stat.isDirectory()) {
      out.push(`${rel} dir ${(stat.mode & 0o777).toString(8)}`);
      for (const name of readdirSync(path).sort()) walk(join(path, name));
    } else out.push(`${rel} file ${(stat.mode & 0o777).toString(8)} ${String(stat.size)} ${createHash('sha256').update(readFileSync(path)).digest('hex')}`);
  };
  for (const path of paths) walk(join(root, path));
  return out;
}

function makeRoot(): string {
  const root = tempDir('files-root');
  mkdirSync(join(root, 'uploads', 'deep', 'er'), { recursive: true });
  mkdirSync(join(root, 'uploads', 'empty'));
  mkdirSync(join(root, 'media', 'pics'), { recursive: true });
  writeFileSync(join(root, 'uploads', 'a.txt'), 'alpha\n');
  writeFileSync(join(root, 'uploads', 'deep', 'er', 'blob.bin'), randomBytes(300_000));
  writeFileSync(join(root, 'uploads', 'name with spaces\nand a newline.txt'), 'odd');
  writeFileSync(join(root, 'uploads', 'private.txt'), 'secret-ish', { mode: 0o600 });
  symlinkSync('a.txt', join(root, 'uploads', 'link-to-a'));
  writeFileSync(join(root, 'media', 'pics', 'p.jpg'), randomBytes(1000));
  writeFileSync(join(root, 'not-backed-up.txt'), 'x');
  return root;
}

describe('files backups (GNU tar)', { timeout: 120_000 }, () => {
  const cleanup: string[] = [];
  after(() => {
    for (const dir of cleanup) rmSync(dir, { recursive: true, force: true });
    removeTempDirs();
  });
  const source = (root: string, paths: string[] = ['uploads', 'media/pics']): BackupSource => ({ kind: 'files', root, paths });

  it('round trip: archived with every file and size recorded, read back to verify; restore moves the current folders aside and gives the same tree and bytes', async () => {
    const root = makeRoot();
    const dir = join(tempDir('files'), 'uploads');
    cleanup.push(root, dir);
    const updates: BackupRecord[] = [];
    const job = makeJob('uploads', source(root), dir, updates);
    const record = await runBackup(job);
    assert.equal(record.state, 'verified', record.reason ?? '');
    assert.deepEqual(updates.map((u) => u.state), ['running', 'verified']);
    assert.equal(record.file, join(dir, `${job.id}.tar.gz`));
    assert.deepEqual(listDir(dir), [`${job.id}.tar.gz`, `${job.id}.tar.gz.manifest.json`]);
    assert.equal(statSync(record.file).mode & 0o777, 0o600);
    assert.match(record.serverVersion ?? '', /^tar \(GNU tar\) \d/);
    assert.deepEqual(record.verification && { ...record.verification, ms: 0 }, { kind: 'files', ok: true, files: 5, bytes: 6 + 300_000 + 3 + 10 + 1000, mismatches: [], ms: 0 });
    assert.equal(readManifest(record.file).kind, 'files');

    const before = tree(root, ['uploads', 'media/pics']);
    rmSync(join(root, 'uploads'), { recursive: true });
    rmSync(join(root, 'media', 'pics', 'p.jpg'));
    writeFileSync(join(root, 'media', 'pics', 'stray.txt'), 'written after the backup');
    await restoreBackup(record, { kind: 'files', root, paths: ['uploads', 'media/pics'] }, { encryptKeyFile: null });
    assert.deepEqual(tree(root, ['uploads', 'media/pics']), before, 'same tree, modes and bytes');
    const aside = readdirSync(join(root, 'media')).filter((name) => name.startsWith('pics.replaced-'));
    assert.equal(aside.length, 1, 'the current folder was moved aside');
    assert.deepEqual(readdirSync(join(root, 'media', aside[0] ?? '')), ['stray.txt'], 'and kept, not deleted');
    assert.equal(readFileSync(join(root, 'not-backed-up.txt'), 'utf8'), 'x');
  });

  it('encrypted round trip, and a wrong key refused before anything moves', async () => {
    const root = makeRoot();
    const base = tempDir('files-enc');
    cleanup.push(root, base);
    const keys = writeKeyFiles(base);
    const dir = join(base, 'uploads');
    const job = makeJob('uploads', source(root), dir, [], keys.key);
    const record = await runBackup(job);
    assert.equal(record.state, 'verified', record.reason ?? '');
    assert.equal(record.file, join(dir, `${job.id}.tar.gz.enc`));
    assert.deepEqual(listDir(dir), [`${job.id}.tar.gz.enc`, `${job.id}.tar.gz.enc.manifest.json`]);
    const before = tree(root, ['uploads', 'media/pics']);
    rmSync(join(root, 'uploads'), { recursive: true });
    await assert.rejects(restoreBackup(record, { kind: 'files', root, paths: ['uploads', 'media/pics'] }, { encryptKeyFile: keys.wrong }), /decryption failed/);
    assert.deepEqual(readdirSync(join(root, 'media')), ['pics'], 'nothing was moved by the refused restore');
    await restoreBackup(record, { kind: 'files', root, paths: ['uploads', 'media/pics'] }, { encryptKeyFile: keys.key });
    assert.deepEqual(tree(root, ['uploads', 'media/pics']), before);
  });

  it('a truncated archive, a missing folder and a path outside the root are failed', async () => {
    const root = makeRoot();
    const dir = join(tempDir('files'), 'uploads');
    cleanup.push(root, dir);
    const truncated = await runBackupWithHooks(makeJob('uploads', source(root), dir, []), { beforeVerify: truncateHalf });
    assert.equal(truncated.state, 'failed');
    assert.match(truncated.reason ?? '', /^verification failed: reading the archive failed: tar exited with status 2: .*(unexpected end of file|Unexpected EOF)/i);
    const missing = await runBackup(makeJob('uploads', source(root, ['uploads', 'nope']), dir, []));
    assert.equal(missing.state, 'failed');
    assert.equal(missing.reason, `expected nope under ${root}, found nothing there`);
    const outside = await runBackup(makeJob('uploads', source(root, ['../etc']), dir, []));
    assert.match(outside.reason ?? '', /expected a folder or file relative to the root \(like uploads\), found "\.\.\/etc"/);
    assert.deepEqual(listDir(dir).filter((f) => !f.endsWith('.manifest.json')), [], 'no archive is left by a failure');
  });

  it('removes only the partial files an interrupted backup left', async () => {
    const dir = tempDir('interrupted');
    cleanup.push(dir);
    for (const name of ['db-1.dump', 'db-1.dump.manifest.json', 'db-2.dump.partial', 'db-2.dump.manifest.json.partial', 'notes.txt']) writeFileSync(join(dir, name), 'x');
    assert.deepEqual((await removeInterruptedFiles(dir)).sort(), ['db-2.dump.manifest.json.partial', 'db-2.dump.partial']);
    assert.deepEqual(listDir(dir), ['db-1.dump', 'db-1.dump.manifest.json', 'notes.txt']);
    assert.deepEqual(await removeInterruptedFiles(join(dir, 'missing')), []);
  });

  it('reads GNU tar listings, names with spaces and escapes included', () => {
    const listing = parseTarListing([
      'drwxr-xr-x root/root         0 2026-11-22 17:34 up/',
      '-rw-r--r-- root/root         3 2026-11-22 17:34 up/a b.txt',
      'hrw-r--r-- root/root         0 2026-11-22 17:34 up/hard link to up/a b.txt',
      'lrwxrwxrwx root/root         0 2026-11-22 17:34 up/link -> a',
      '-rw-r--r-- 1000/1000        12 2026-11-22 17:34 up/sub/n\\nl',
      'crw-rw-rw- root/root       1,3 2026-11-22 17:34 up/null',
      '',
    ].join('\n'));
    assert.deepEqual([...listing], [
      ['up/', { type: 'd', size: 0 }],
      ['up/a b.txt', { type: '-', size: 3 }],
      ['up/hard link to up/a b.txt', { type: 'h', size: 0 }],
      ['up/link -> a', { type: 'l', size: 0 }],
      ['up/sub/n\\nl', { type: '-', size: 12 }],
      ['up/null', { type: 'c', size: 0 }],
    ]);
    assert.throws(() => parseTarListing('garbage line\n'), /tar listed an entry Berth cannot read: "garbage line"/);
  });
});
