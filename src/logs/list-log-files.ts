// Which log files exist for which services under `.berth/logs`.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { listRotatedNumbers, rotatedPath } from './rotate-log-files.js';

/** The services with a log file (current or rotated) in `dir`, sorted; none when `dir` is missing. */
export async function listLogServices(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const services = new Set<string>();
  for (const name of names) {
    const match = /^(.+)\.log(?:\.[1-9]\d*)?$/.exec(name);
    if (match?.[1] !== undefined) services.add(match[1]);
  }
  return [...services].sort();
}

/** A service's log files, newest first: `web.log`, `web.log.1`, `web.log.2`, … (the current one even if missing). */
export async function listLogFiles(dir: string, service: string): Promise<string[]> {
  const path = join(dir, `${service}.log`);
  const numbers = await listRotatedNumbers({ list: (folder) => readdir(folder) }, path);
  return [path, ...numbers.map((n) => rotatedPath(path, n))];
}
