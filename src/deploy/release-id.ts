// The shape of a release on disk: its id, and the app folder inside it. A module of its own so that
// content-hash.ts, which snapshot-release.ts imports, can read release paths without an import cycle.
import { join, relative, sep } from 'node:path';
import { STATE_FOLDER } from './list-release-files.js';

export const APP_FOLDER = 'app';

/** Release ids: UTC time to the millisecond, then 8 hex digits of the content hash; they sort by time. */
export const RELEASE_ID = /^\d{8}-\d{9}-[0-9a-f]{8}$/;

/** A path inside a release's app folder (`.berth/releases/<id>/app/...`) taken back to the same place under `root`. */
export function unreleasePath(path: string, root: string): string {
  const [state, releases, id, app, ...rest] = relative(root, path).split(sep);
  if (state !== STATE_FOLDER || releases !== 'releases' || id === undefined || !RELEASE_ID.test(id) || app !== APP_FOLDER) return path;
  return join(root, ...rest);
}
