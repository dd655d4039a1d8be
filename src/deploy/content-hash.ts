// Content hashes a deploy plans from: the files of a release, a service's build inputs, its resolved config, the
// app code it runs and its `release` step. Every hash is sha256 hex; secrets go into the hashes (a changed password
// must redeploy) but the hashes are all that is ever stored or printed.
import { createHash } from 'node:crypto';
import { lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import type { ResolvedJob, ResolvedService, ResolvedStack } from '../config/resolved-stack.js';
import { compileGlobList } from './match-glob.js';
import { unreleasePath } from './release-id.js';
import { stringifyStable } from './stable-json.js';

export interface TreeEntry {
  /** sha256 of the content (of the link text for a symlink). */
  readonly hash: string;
  readonly kind: 'file' | 'executable' | 'symlink';
}

/** Relative path → entry, in sorted path order. */
export type TreeHashes = ReadonlyMap<string, TreeEntry>;

export interface ServiceHashes {
  /** The resolved service (paths relative to the stack folder, so a release folder does not change it). */
  readonly config: string;
  /** The app code it runs: every release file but the stack's own config files; null for recipes (no app code). */
  readonly code: string | null;
  /** Build command plus the content of its inputs; null without `build`. */
  readonly build: string | null;
  /** What its `release` command depends on: the command, env, code and build; null without `release`. */
  readonly release: string | null;
}

export interface JobHashes {
  /** The resolved job (paths relative to the stack folder, so a release folder does not change it). */
  readonly config: string;
  /** One hash per part of the definition (each key; `every`/`schedule` as timing, `env`/`late_env` as env): what changed. */
  readonly parts: Readonly<Record<string, string>>;
  /** The app code, when the job runs from inside the stack folder (its code is the app's); null otherwise. */
  readonly code: string | null;
}

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/** Hashes the files (relative to `root`) one by one; missing paths and folders (git submodules) are skipped. */
export function hashFiles(root: string, files: readonly string[]): Map<string, TreeEntry> {
  const tree = new Map<string, TreeEntry>();
  for (const path of files) {
    const absolute = join(root, path);
    let stat;
    try {
      stat = lstatSync(absolute);
    } catch {
      continue; // listed by git but deleted since
    }
    if (stat.isSymbolicLink()) tree.set(path, { hash: sha256(readlinkSync(absolute)), kind: 'symlink' });
    else if (stat.isFile()) tree.set(path, { hash: sha256(readFileSync(absolute)), kind: (stat.mode & 0o111) !== 0 ? 'executable' : 'file' });
  }
  return tree;
}

/** One hash over the entries `select` keeps: path, kind and content of each. */
export function hashTree(tree: TreeHashes, select: (path: string) => boolean = () => true): { hash: string; files: number } {
  const hash = createHash('sha256');
  let files = 0;
  for (const [path, entry] of tree) {
    if (!select(path)) continue;
    hash.update(`${path}\0${entry.kind}\0${entry.hash}\n`);
    files += 1;
  }
  return { hash: hash.digest('hex'), files };
}

/** Replaces the stack folder in every string by `.`, so a hash does not depend on where the stack lives. */
function relativize(value: unknown, root: string): unknown {
  if (typeof value === 'string') return value === root ? '.' : value.startsWith(`${root}/`) ? `./${value.slice(root.length + 1)}` : value;
  if (Array.isArray(value)) return value.map((item) => relativize(item, root));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, relativize(item, root)]));
  return value;
}

/** The part of a job's definition a key belongs to: what a plan names when it changed. */
function jobPartOf(key: string): string {
  if (key === 'env' || key === 'late_env') return 'env';
  if (key === 'every' || key === 'schedule') return 'timing';
  return key;
}

/** Whether a job runs from inside the stack folder, i.e. from the app code a release holds. */
export function jobRunsFromApp(job: ResolvedJob, root: string): boolean {
  const inside = relative(root, unreleasePath(job.cwd, root));
  return !inside.startsWith('..') && !isAbsolute(inside);
}

/** A job's config hash and part hashes (stable JSON, secrets included, paths relative to `root`; code not included). */
export function hashJobConfig(job: ResolvedJob, root: string): { config: string; parts: Record<string, string> } {
  const { name: _name, ...rest } = job;
  const config = relativize({ ...rest, cwd: unreleasePath(job.cwd, root) }, root) as Record<string, unknown>;
  const grouped: Record<string, Record<string, unknown>> = {};
  for (const [key, value] of Object.entries(config)) (grouped[jobPartOf(key)] ??= {})[key] = value;
  const parts = Object.fromEntries(Object.entries(grouped).map(([part, values]) => [part, sha256(stringifyStable(values))]));
  return { config: sha256(stringifyStable(config)), parts };
}

/** Every job's hashes: its definition, and the app code when it runs from the app folder. */
export function computeJobHashes(stack: ResolvedStack, tree: TreeHashes, configFiles: ReadonlySet<string>): Record<string, JobHashes> {
  const code = hashTree(tree, (path) => !configFiles.has(path)).hash;
  const hashes: Record<string, JobHashes> = {};
  for (const job of Object.values(stack.jobs)) hashes[job.name] = { ...hashJobConfig(job, stack.root), code: jobRunsFromApp(job, stack.root) ? code : null };
  return hashes;
}

/** sha256 of a service's resolved config (stable JSON, secrets included, paths relative to `root`). */
export function hashServiceConfig(service: ResolvedService, root: string): string {
  const { name: _name, ...config } = service;
  return sha256(stringifyStable(relativize(config, root)));
}

/**
 * sha256 of a build: its command, folder and the content of the files its `inputs` globs select (relative to the
 * release). Without inputs every code file counts, so the build runs again whenever the app changed.
 */
export function hashBuildInputs(service: ResolvedService, tree: TreeHashes, root: string, isCode: (path: string) => boolean): string | null {
  if (service.build === null) return null;
  const patterns = service.build.inputs;
  const selected = patterns.length === 0 ? isCode : compileGlobList(patterns);
  const inputs = hashTree(tree, selected);
  return sha256(stringifyStable(relativize({ command: service.build.command, cwd: service.cwd, inputs: patterns, content: inputs.hash, files: inputs.files }, root)));
}

/** The stack's own config files (berth.yml, overlays, env files) as release paths: they are config, not code. */
export function listConfigFiles(root: string, files: readonly string[]): Set<string> {
  return new Set(files.map((file) => relative(root, file)).filter((path) => path !== '' && !path.startsWith('..')));
}

/** Every hash of every service of `stack`, from the release's file hashes. */
export function computeServiceHashes(stack: ResolvedStack, tree: TreeHashes, configFiles: ReadonlySet<string>): Record<string, ServiceHashes> {
  const isCode = (path: string): boolean => !configFiles.has(path);
  const code = hashTree(tree, isCode).hash;
  const hashes: Record<string, ServiceHashes> = {};
  for (const service of Object.values(stack.services)) {
    const serviceCode = service.kind === 'recipe' ? null : code;
    const build = hashBuildInputs(service, tree, stack.root, isCode);
    const release = service.release === null
      ? null
      : sha256(stringifyStable(relativize({ command: service.release, cwd: service.cwd, env: service.env, late_env: service.late_env, code: serviceCode, build }, stack.root)));
    hashes[service.name] = { config: hashServiceConfig(service, stack.root), code: serviceCode, build, release };
  }
  return hashes;
}
