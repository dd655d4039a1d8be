// The manifest beside a backup file (`<file>.manifest.json`): the record without its catalog id, written to a
// partial file, fsynced and renamed, so a person (or a restore on another machine) sees what the file is.
import { rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { manifestPath } from './backup-catalog.js';
import type { BackupRecord } from './backup-types.js';
import { fsyncPath } from './durable-file.js';

/** The manifest's JSON text: every field of the record but `id`. Records hold nothing secret. */
function renderManifest(record: BackupRecord): string {
  const { id: _id, ...rest } = record;
  return `${JSON.stringify({ format: 'berth-backup-manifest/1', ...rest }, null, 2)}\n`;
}

/** Writes the manifest durably (0600); throws when it cannot (a full disk), leaving no partial manifest. */
export async function writeManifest(record: BackupRecord): Promise<string> {
  const target = manifestPath(record.file);
  const partial = `${target}.partial`;
  try {
    await writeFile(partial, renderManifest(record), { mode: 0o600 });
    await fsyncPath(partial);
    await rename(partial, target);
    await fsyncPath(dirname(target));
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
  return target;
}
