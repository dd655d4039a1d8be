// Maps a request path to a file inside a static folder, and refuses everything that would leave it. The rules, in
// order: decode once (so `%252e%252e` stays the literal name `%2e%2e`), refuse NUL and backslashes, refuse dot-named
// segments (`..`, and `.git`, `.env`; `.well-known` excepted), then resolve symlinks with realpath and require the
// real path to stay inside the folder's real path.
import { realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';

/** The decoded path of a request target ('/a b.txt'), or null when it is malformed or can only be an attack. */
export function decodeStaticPath(forwardPath: string): string | null {
  const queryAt = forwardPath.indexOf('?');
  const raw = queryAt === -1 ? forwardPath : forwardPath.slice(0, queryAt);
  if (!raw.startsWith('/')) return null;
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    return null;
  }
  // Why backslashes: on Windows they separate folders, and on any system they are how `..\` probes arrive.
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  return decoded;
}

/** Whether a decoded path names a hidden file or a parent folder (`/.git/config`, `/a/../b`). */
export function hasDotSegment(decodedPath: string): boolean {
  for (const segment of decodedPath.split('/')) {
    if (segment.startsWith('.') && segment !== '.well-known') return true;
  }
  return false;
}

export interface StaticFile {
  /** The folder's real path (symlinks resolved), against which siblings are checked too. */
  readonly realRoot: string;
  /** The file's real path. */
  readonly path: string;
}

/** The regular file `decodedPath` names in `root` (a folder means its index.html), or null. */
export async function findStaticFile(root: string, decodedPath: string): Promise<StaticFile | null> {
  if (hasDotSegment(decodedPath)) return null;
  const realRoot = await realpathOrNull(root);
  if (realRoot === null) return null;
  const found = await resolveInside(realRoot, join(realRoot, decodedPath));
  if (found === null) return null;
  const info = await stat(found).catch(() => null);
  if (info?.isFile() === true) return { realRoot, path: found };
  if (info?.isDirectory() !== true) return null;
  const index = await resolveInside(realRoot, join(found, 'index.html'));
  return index !== null && (await isFile(index)) ? { realRoot, path: index } : null;
}

/** The real path of a precompressed sibling (`file.br`) when it exists inside `root` as a regular file. */
export async function findSibling(file: StaticFile, suffix: string): Promise<string | null> {
  const sibling = await resolveInside(file.realRoot, file.path + suffix);
  return sibling !== null && (await isFile(sibling)) ? sibling : null;
}

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isFile() === true;
}

// Checked twice: before realpath (a `..` that join resolved) and after (a symlink that points out of the folder).
async function resolveInside(realRoot: string, candidate: string): Promise<string | null> {
  if (!isInside(realRoot, candidate)) return null;
  const real = await realpathOrNull(candidate);
  return real !== null && isInside(realRoot, real) ? real : null;
}

function isInside(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

async function realpathOrNull(path: string): Promise<string | null> {
  try {
    return await realpath(path);
  } catch {
    return null;
  }
}
