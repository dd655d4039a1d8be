// What `berth backup` and `berth restore` say when they cannot do it, against a real daemon with a files backup
// (`backup.paths`, no database server needed): nothing to back up, no such backup, a safety backup that fails, and
// a restore that fails, each with its code, a message naming the service and the cause, and the catalog's hint.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { BackupRecord } from '../../src/backup/backup-types.js';
import { runBerth, type BerthRun } from '../helpers/run-berth.js';
import { writeFiles } from '../helpers/temp-stack.js';

const echo = join(import.meta.dirname, '..', 'fixtures', 'echo-instance.mjs');
const env = { PATH: process.env.PATH ?? '' };
const cmd = `${process.execPath} ${echo}`;

const berth = (dir: string, ...args: string[]): Promise<BerthRun> => runBerth(dir, env, ...args);

async function backups(dir: string, service: string): Promise<BackupRecord[]> {
  const listed = await berth(dir, 'backups', service, '--json');
  assert.equal(listed.code, 0, listed.err);
  return JSON.parse(listed.out) as BackupRecord[];
}

describe('backup and restore errors', { timeout: 180_000 }, () => {
  it('refuses to back up a service without backups (BERTH_E_BACKUP_NONE), naming the ones that can be', async () => {
    const dir = writeFiles({ 'berth.yml': `services:\n  web: { command: ${cmd}, http: {} }\n  files: { command: ${cmd}, http: {}, backup: { paths: [uploads] } }\n`, 'uploads/a.txt': 'a\n' });
    const plain = writeFiles({ 'berth.yml': `services:\n  web: { command: ${cmd}, http: {} }\n` });
    try {
      assert.equal((await berth(dir, 'up', '-d')).code, 0);
      const web = await berth(dir, 'backup', 'web');
      assert.equal(web.code, 2, web.out + web.err);
      assert.match(web.err, /^berth backup: BERTH_E_BACKUP_NONE: web cannot be backed up\n {2}hint: backups are for `recipe: postgres`, `recipe: redis` and services with `backup\.paths`; here: files$/);
      assert.deepEqual(await backups(dir, 'files'), [], 'nothing was backed up');

      // A stack where nothing can be backed up: the whole stack is refused, and so is a restore.
      const upPlain = await berth(plain, 'up', '-d');
      assert.equal(upPlain.code, 0, upPlain.err);
      const all = await berth(plain, 'backup');
      assert.equal(all.code, 2);
      assert.match(all.err, /^berth backup: BERTH_E_BACKUP_NONE: this stack cannot be backed up\n {2}hint: .*; here: none$/);
      const restore = await berth(plain, 'restore', 'web');
      assert.equal(restore.code, 1);
      assert.match(restore.err, /^berth restore: BERTH_E_BACKUP_NONE: web cannot be backed up\n {2}hint: .*; here: none$/);
    } finally {
      await berth(dir, 'down');
      await berth(plain, 'down');
    }
  });

  it('says which backup is missing (BERTH_E_BACKUP_NOT_FOUND), stops a restore whose safety backup fails (BERTH_E_RESTORE_SAFETY), and reports a failed restore (BERTH_E_RESTORE_FAILED) leaving the data as it was', async () => {
    const dir = writeFiles({ 'berth.yml': `services:\n  files: { command: ${cmd}, http: {}, backup: { paths: [uploads] } }\n`, 'uploads/a.txt': 'backed up\n' });
    const uploads = join(dir, 'uploads');
    try {
      assert.equal((await berth(dir, 'up', '-d')).code, 0);

      // No backup yet, then a name that is not one of them.
      const none = await berth(dir, 'restore', 'files');
      assert.equal(none.code, 2, none.out + none.err);
      assert.match(none.err, /^berth restore: BERTH_E_BACKUP_NOT_FOUND: files has no verified backup\n {2}hint: list them with `berth backups files`; only verified backups can be restored$/);
      const taken = await berth(dir, 'backup', 'files');
      assert.equal(taken.code, 0, taken.err);
      const [good] = await backups(dir, 'files');
      assert.equal(good?.state, 'verified', JSON.stringify(good));
      const wrongId = await berth(dir, 'restore', 'files', 'files-19990101T000000Z');
      assert.equal(wrongId.code, 2);
      assert.match(wrongId.err, /^berth restore: BERTH_E_BACKUP_NOT_FOUND: no verified backup files-19990101T000000Z of files\n {2}hint: list them with `berth backups files`/);

      // The folder is gone, so the safety backup of the current data cannot be taken: nothing is changed.
      rmSync(uploads, { recursive: true });
      const safety = await berth(dir, 'restore', 'files');
      assert.equal(safety.code, 1, safety.out + safety.err);
      assert.match(safety.err, /^berth restore: BERTH_E_RESTORE_SAFETY: the safety backup of files failed \(expected uploads under .+, found nothing there\); nothing was changed\n {2}hint: fix what stops the backup, or restore anyway with `--no-safety-backup`/);
      assert.equal(existsSync(uploads), false, 'nothing was restored');
      assert.equal((await backups(dir, 'files')).find((b) => b.trigger === 'restore')?.state, 'failed', 'the failed safety backup is recorded as failed');

      // `--to` is for postgres only.
      const to = await berth(dir, 'restore', 'files', '--to', 'copy');
      assert.equal(to.code, 1);
      assert.match(to.err, /^berth restore: BERTH_E_RESTORE_FAILED: restoring files failed: --to restores beside the live data for postgres services only\n {2}hint: the data was left as it was/);

      // The verified archive changed on disk: the restore refuses it, the current files stay, the service runs again.
      mkdirSync(uploads);
      writeFileSync(join(uploads, 'a.txt'), 'current\n');
      writeFileSync(good.file, 'not the archive that was verified');
      const failed = await berth(dir, 'restore', 'files', '--no-safety-backup');
      assert.equal(failed.code, 1, failed.out + failed.err);
      assert.match(failed.err, /^berth restore: BERTH_E_RESTORE_FAILED: restoring files failed: cannot restore backup files-\S+: .+ has sha256 [0-9a-f]{64}, expected [0-9a-f]{64} \(the file changed since it was verified\)\n {2}hint: the data was left as it was \(replaced files are moved aside, never deleted\) and the services were started again; see `berth logs files`$/);
      assert.equal(readFileSync(join(uploads, 'a.txt'), 'utf8'), 'current\n', 'the data was left as it was');
      const status = await berth(dir, 'status', '--json');
      const instances = (JSON.parse(status.out) as { instances: { service: string; phase: string }[] }).instances;
      assert.deepEqual(instances.map((i) => [i.service, i.phase]), [['files', 'running']], 'started again');
      const events = await berth(dir, 'events', '--type', 'restore_failed', '--json');
      assert.match(events.out, /"restore_failed".*the file changed since it was verified/);
    } finally {
      await berth(dir, 'down');
    }
  });
});
