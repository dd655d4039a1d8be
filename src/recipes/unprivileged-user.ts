// The user a server runs as when Berth runs as root (PostgreSQL refuses root), and whether that user can reach
// a folder: every folder above it must let the user through (search permission).
import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export interface SystemUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

/** The first of `names` in /etc/passwd (e.g. Debian's `postgres`, then `nobody`), or undefined. */
export function findSystemUser(names: readonly string[], passwd = '/etc/passwd'): SystemUser | undefined {
  let text: string;
  try {
    text = readFileSync(passwd, 'utf8');
  } catch {
    return undefined;
  }
  const users = new Map<string, SystemUser>();
  for (const line of text.split('\n')) {
    const [name, , uid, gid] = line.split(':');
    if (name === undefined || uid === undefined || gid === undefined) continue;
    const parsed = { name, uid: Number(uid), gid: Number(gid) };
    if (Number.isInteger(parsed.uid) && Number.isInteger(parsed.gid) && parsed.uid > 0) users.set(name, parsed);
  }
  for (const name of names) {
    const user = users.get(name);
    if (user !== undefined) return user;
  }
  return undefined;
}

/** True when Berth runs as root, so servers that refuse root need another user. */
export function runsAsRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** The nearest folder at or above `path` that `user` cannot pass through, or undefined when every one lets it. */
export function findBlockingFolder(path: string, user: SystemUser): string | undefined {
  let current = resolve(path);
  const chain: string[] = [];
  for (;;) {
    chain.push(current);
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  // From the root down: the first folder that exists and denies search is the one to name.
  for (const folder of chain.reverse()) {
    let stat;
    try {
      stat = statSync(folder);
    } catch {
      return undefined;
    }
    if (!stat.isDirectory()) return undefined;
    const bit = stat.uid === user.uid ? 0o100 : stat.gid === user.gid ? 0o010 : 0o001;
    if ((stat.mode & bit) === 0) return folder;
  }
  return undefined;
}
