// How full the disks under the stack's data folders and `.berth/` are (statfs, as `df` computes it: blocks
// reserved for root are not counted as free). Folders on one file system are reported together.
import { statSync } from 'node:fs';
import { statfs } from 'node:fs/promises';

export interface DiskUsage {
  /** The first folder on this file system: the incident's subject. */
  readonly path: string;
  /** Every watched folder on it. */
  readonly paths: readonly string[];
  readonly usedPercent: number;
  readonly freeBytes: number;
}

/** `12.3 GB` */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit] ?? 'B'}`;
}

/** The usage of every file system holding one of `folders` (folders that do not exist yet are skipped). */
export async function measureDisks(folders: readonly string[]): Promise<DiskUsage[]> {
  const byDevice = new Map<number, string[]>();
  for (const folder of folders) {
    const stat = statSync(folder, { throwIfNoEntry: false });
    if (stat === undefined) continue;
    const list = byDevice.get(stat.dev) ?? [];
    if (!list.includes(folder)) list.push(folder);
    byDevice.set(stat.dev, list);
  }
  const out: DiskUsage[] = [];
  for (const paths of byDevice.values()) {
    const first = paths[0];
    if (first === undefined) continue;
    const fs = await statfs(first);
    const used = fs.blocks - fs.bfree;
    const total = used + fs.bavail;
    out.push({ path: first, paths, usedPercent: total === 0 ? 0 : Math.round((used / total) * 1000) / 10, freeBytes: fs.bavail * fs.bsize });
  }
  return out;
}
