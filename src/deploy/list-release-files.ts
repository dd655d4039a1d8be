// Which files of the stack folder make up a release: in a git repository what git would commit (tracked files and
// untracked ones that .gitignore does not exclude), else every file; then minus `.berthignore` and never `.berth/`.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileIgnoreFile, type IgnoreMatcher } from './ignore-rules.js';

export interface ReleaseFileList {
  /** Relative, `/`-separated paths, sorted; what git lists may include files deleted since (the hashing skips them). */
  readonly files: readonly string[];
  readonly source: 'git' | 'walk';
}

/** Berth's own state folder, never part of a release. */
export const STATE_FOLDER = '.berth';

/** True when `root` is inside a git work tree (false without git). */
export function isGitWorkTree(root: string): boolean {
  const result = spawnSync('git', ['rev-parse', '--is-inside-work-tree'], { cwd: root, encoding: 'utf8' });
  return result.status === 0 && result.stdout.trim() === 'true';
}

/** The `.berthignore` of a folder (an empty matcher when there is none). */
export function readBerthIgnore(root: string): IgnoreMatcher {
  const file = join(root, '.berthignore');
  return compileIgnoreFile(existsSync(file) ? readFileSync(file, 'utf8') : '');
}

const inStateFolder = (path: string): boolean => path === STATE_FOLDER || path.startsWith(`${STATE_FOLDER}/`);

function listWithGit(root: string): string[] | null {
  const result = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
  if (result.status !== 0) return null;
  return result.stdout.split('\0').filter((path) => path !== '');
}

function walk(root: string, ignore: IgnoreMatcher): string[] {
  const found: string[] = [];
  const visit = (relative: string): void => {
    for (const entry of readdirSync(relative === '' ? root : join(root, relative), { withFileTypes: true })) {
      const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) {
        if (path === STATE_FOLDER || entry.name === '.git' || ignore.ignoresFolder(path)) continue;
        visit(path);
      } else found.push(path);
    }
  };
  visit('');
  return found;
}

/** The files of the working tree that a release of `root` holds. */
export function listWorkingTreeFiles(root: string): ReleaseFileList {
  const ignore = readBerthIgnore(root);
  const fromGit = isGitWorkTree(root) ? listWithGit(root) : null;
  const listed = fromGit ?? walk(root, ignore);
  const files = [...new Set(listed)].filter((path) => !inStateFolder(path) && !ignore.ignoresFile(path)).sort();
  return { files, source: fromGit === null ? 'walk' : 'git' };
}

/** Applies `.berthignore` and the `.berth/` rule to a list of paths (used for a git ref's tree). */
export function filterReleaseFiles(files: readonly string[], ignore: IgnoreMatcher): string[] {
  return files.filter((path) => !inStateFolder(path) && !ignore.ignoresFile(path)).sort();
}
