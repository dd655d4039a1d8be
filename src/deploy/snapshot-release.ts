// A release: a frozen copy of the app in `.berth/releases/<id>/app/`, with `release.json` beside it. From a git ref
// (`git archive` of the commit, limited to the stack's folder) or from the working tree (what git would commit,
// see list-release-files.ts). `.berthignore` applies to both; `.berth/` is never copied. The copy is made in a
// staging folder and renamed into place, so a release folder that exists is complete.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, lstatSync, mkdirSync, readdirSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BerthError, createDiagnostic } from '../errors/diagnostic.js';
import { hashFiles, hashTree, type TreeHashes } from './content-hash.js';
import { isGitWorkTree, listWorkingTreeFiles, readBerthIgnore, STATE_FOLDER } from './list-release-files.js';
import { APP_FOLDER, RELEASE_ID } from './release-id.js';

export interface ReleaseManifest {
  readonly id: string;
  /** The git ref deployed, or "working tree". */
  readonly ref: string;
  /** The commit the ref named; null for the working tree. */
  readonly commit: string | null;
  /** ISO time of the snapshot. */
  readonly created: string;
  readonly files: number;
  /** sha256 over every file's path, kind and content. */
  readonly contentHash: string;
}

export interface Snapshot {
  readonly id: string;
  /** `.berth/releases/<id>` */
  readonly dir: string;
  /** `.berth/releases/<id>/app`: the stack folder as released. */
  readonly appDir: string;
  readonly manifest: ReleaseManifest;
  /** Hashes of the released files (relative to appDir). */
  readonly tree: TreeHashes;
}

export interface SnapshotOptions {
  /** The stack folder (where berth.yml is). */
  readonly root: string;
  /** Where releases live: `.berth/releases`. */
  readonly releasesDir: string;
  /** A git ref to release instead of the working tree. */
  readonly ref?: string | null | undefined;
  readonly now?: Date;
}

export const WORKING_TREE = 'working tree';
export const MANIFEST_FILE = 'release.json';
/** The released files' paths (JSON list): what a build adds to a release is everything else (build-outputs.ts). */
export const FILES_FILE = 'files.json';
export { APP_FOLDER, RELEASE_ID };

/** `20250314-093015123-1a2b3c4d` */
export function formatReleaseId(created: Date, contentHash: string): string {
  const iso = created.toISOString(); // 2025-03-14T09:30:15.123Z
  return `${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 19).replace(/:/g, '')}${iso.slice(20, 23)}-${contentHash.slice(0, 8)}`;
}

/** `.berth/releases` of a stack's state folder. */
export function releasesDirOf(stateDir: string): string {
  return join(stateDir, 'releases');
}

function git(root: string, args: readonly string[]): { ok: boolean; out: string; err: string } {
  const result = spawnSync('git', args, { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const err = result.error?.message ?? result.stderr.trim();
  return { ok: result.status === 0, out: result.stdout.trim(), err };
}

function copyWorkingTree(root: string, appDir: string): string[] {
  const { files } = listWorkingTreeFiles(root);
  const copied: string[] = [];
  for (const path of files) {
    const source = join(root, path);
    let stat;
    try {
      stat = lstatSync(source);
    } catch {
      continue; // tracked but deleted
    }
    if (!stat.isFile() && !stat.isSymbolicLink()) continue;
    const target = join(appDir, path);
    mkdirSync(dirname(target), { recursive: true });
    if (stat.isSymbolicLink()) symlinkSync(readlinkSync(source), target);
    else copyFileSync(source, target); // keeps the mode (the executable bit)
    copied.push(path);
  }
  return copied;
}

/** Extracts the commit's tree (the stack's folder of it) into appDir; returns the commit. */
function extractRef(root: string, ref: string, appDir: string, scratch: string): { commit: string } {
  const refError = (reason: string): BerthError => new BerthError([createDiagnostic('BERTH_E_DEPLOY_REF', { params: { ref, reason } })]);
  if (!isGitWorkTree(root)) throw refError(`${root} is not in a git repository`);
  if (ref.startsWith('-')) throw refError('a ref cannot start with `-`');
  const commit = git(root, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`]);
  if (!commit.ok || commit.out === '') throw refError('no such commit, branch or tag');
  const prefix = git(root, ['rev-parse', '--show-prefix']).out.replace(/\/$/, '');
  const tree = prefix === '' ? commit.out : `${commit.out}:${prefix}`;
  const archive = join(scratch, 'release.tar');
  const top = git(root, ['rev-parse', '--show-toplevel']).out;
  const made = git(top === '' ? root : top, ['archive', '--format=tar', '-o', archive, tree]); // in a subfolder git archive would filter by it

  if (!made.ok) throw refError(`git archive failed: ${made.err}`);
  mkdirSync(appDir, { recursive: true });
  const tar = spawnSync('tar', ['-xf', archive, '-C', appDir], { encoding: 'utf8' });
  if (tar.status !== 0) throw refError(`tar could not extract the archive: ${tar.error?.message ?? tar.stderr.trim()}`);
  rmSync(archive, { force: true });
  return { commit: commit.out };
}

/** Removes what `.berthignore` (the released one) and the `.berth/` rule leave out; returns the files kept. */
function pruneIgnored(appDir: string): string[] {
  const ignore = readBerthIgnore(appDir);
  const kept: string[] = [];
  const visit = (relative: string): void => {
    for (const entry of readdirSync(relative === '' ? appDir : join(appDir, relative), { withFileTypes: true })) {
      const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) {
        if (path === STATE_FOLDER || ignore.ignoresFolder(path)) rmSync(join(appDir, path), { recursive: true, force: true });
        else visit(path);
      } else if (ignore.ignoresFile(path)) rmSync(join(appDir, path), { force: true });
      else kept.push(path);
    }
  };
  visit('');
  return kept.sort();
}

/** Snapshots the app into a new release folder and writes its manifest. Throws BerthError (area deploy). */
export function snapshotRelease(options: SnapshotOptions): Snapshot {
  const created = options.now ?? new Date();
  const ref = options.ref ?? null;
  const staging = join(options.releasesDir, `.staging-${String(process.pid)}-${randomBytes(4).toString('hex')}`);
  const appDir = join(staging, APP_FOLDER);
  try {
    mkdirSync(appDir, { recursive: true });
    let commit: string | null = null;
    let files: string[];
    if (ref === null) files = copyWorkingTree(options.root, appDir);
    else {
      commit = extractRef(options.root, ref, appDir, staging).commit;
      files = pruneIgnored(appDir);
    }
    const tree = hashFiles(appDir, files);
    const content = hashTree(tree);
    const id = formatReleaseId(created, content.hash);
    const manifest: ReleaseManifest = { id, ref: ref ?? WORKING_TREE, commit, created: created.toISOString(), files: content.files, contentHash: content.hash };
    writeFileSync(join(staging, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    writeFileSync(join(staging, FILES_FILE), `${JSON.stringify(files)}\n`);
    const dir = join(options.releasesDir, id);
    renameSync(staging, dir);
    return { id, dir, appDir: join(dir, APP_FOLDER), manifest, tree };
  } catch (error) {
    try {
      rmSync(staging, { recursive: true, force: true });
    } catch {
      // The staging folder could not be made (e.g. the releases path is a file): nothing to clean, and the cause to
      // report is the error above, not this one.
    }
    if (error instanceof BerthError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new BerthError([createDiagnostic('BERTH_E_DEPLOY_SNAPSHOT', { params: { dir: options.releasesDir, reason } })]);
  }
}

/** The working tree's release files and hashes, without copying anything (what `berth deploy --plan` reads). */
export function hashWorkingTree(root: string): { tree: TreeHashes; contentHash: string; files: number } {
  const tree = hashFiles(root, listWorkingTreeFiles(root).files);
  const content = hashTree(tree);
  return { tree, contentHash: content.hash, files: content.files };
}
