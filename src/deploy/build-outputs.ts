// What a build added to a release: every path in the release's app folder that the snapshot did not put there
// (files.json lists those). Reusing a build copies these paths from the release that has them into the new one,
// so each release folder holds its build output itself and survives the pruning of the release it came from.
import { cpSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashFiles, type TreeHashes } from './content-hash.js';
import { APP_FOLDER, FILES_FILE } from './snapshot-release.js';

/** The snapshot's file list of a release folder; null when it has none (made before files.json existed). */
export function readReleaseFiles(releaseDir: string): string[] | null {
  const file = join(releaseDir, FILES_FILE);
  if (!existsSync(file)) return null;
  const value: unknown = JSON.parse(readFileSync(file, 'utf8'));
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : null;
}

/** The hashes of a kept release's snapshot files (for planning a rollback to it). */
export function hashReleaseTree(releaseDir: string): TreeHashes | null {
  const files = readReleaseFiles(releaseDir);
  return files === null ? null : hashFiles(join(releaseDir, APP_FOLDER), files);
}

/** The outermost paths (relative to app/) a build added: whole folders when nothing in them was released. */
export function listBuildOutputs(releaseDir: string): string[] {
  const files = readReleaseFiles(releaseDir);
  if (files === null) return [];
  const listed = new Set(files);
  const folders = new Set<string>();
  for (const path of files) {
    for (let at = path.indexOf('/'); at !== -1; at = path.indexOf('/', at + 1)) folders.add(path.slice(0, at));
  }
  const appDir = join(releaseDir, APP_FOLDER);
  const outputs: string[] = [];
  const visit = (relative: string): void => {
    for (const entry of readdirSync(relative === '' ? appDir : join(appDir, relative), { withFileTypes: true })) {
      const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory() && !entry.isSymbolicLink()) {
        if (folders.has(path)) visit(path);
        else outputs.push(path);
      } else if (!listed.has(path)) outputs.push(path);
    }
  };
  visit('');
  return outputs.sort();
}

/** Copies a release's build outputs into another release's app folder (never over a released file). */
export function copyBuildOutputs(fromReleaseDir: string, toReleaseDir: string): string[] {
  const outputs = listBuildOutputs(fromReleaseDir);
  const to = join(toReleaseDir, APP_FOLDER);
  const copied: string[] = [];
  for (const path of outputs) {
    const target = join(to, path);
    if (existsSync(target)) continue;
    cpSync(join(fromReleaseDir, APP_FOLDER, path), target, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
    copied.push(path);
  }
  return copied;
}
