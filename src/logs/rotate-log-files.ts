// Size rotation: web.log → web.log.1 → … → web.log.<keep>; older numbered files are deleted.
import { basename, dirname, join } from 'node:path';
import type { LogFs } from './log-fs.js';

/**
 * Shifts the rotated files of `path` up by one and moves `path` to `path.1`, keeping at most `keep`
 * rotated files (`keep` 0: `path` is deleted). Only names of the form `<file>.<n>` are ever touched.
 */
export async function rotateLogFiles(fs: LogFs, path: string, keep: number): Promise<void> {
  for (const n of await listRotatedNumbers(fs, path)) {
    if (n >= keep) await fs.remove(`${path}.${n}`);
  }
  if (keep === 0) {
    await fs.remove(path);
    return;
  }
  for (let n = keep - 1; n >= 1; n--) await renameIfPresent(fs, `${path}.${n}`, `${path}.${n + 1}`);
  await renameIfPresent(fs, path, `${path}.1`);
}

/** The numbers of the rotated files of `path` that exist, ascending. */
export async function listRotatedNumbers(fs: Pick<LogFs, 'list'>, path: string): Promise<number[]> {
  const prefix = `${basename(path)}.`;
  let names: string[];
  try {
    names = await fs.list(dirname(path));
  } catch {
    return [];
  }
  return names
    .filter((name) => name.startsWith(prefix) && /^[1-9]\d{0,8}$/.test(name.slice(prefix.length)))
    .map((name) => Number(name.slice(prefix.length)))
    .sort((a, b) => a - b);
}

/** The path of rotated file `n` of `path`. */
export function rotatedPath(path: string, n: number): string {
  return n === 0 ? path : join(dirname(path), `${basename(path)}.${n}`);
}

async function renameIfPresent(fs: LogFs, from: string, to: string): Promise<void> {
  try {
    await fs.rename(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
