// Release retention: keep the newest `keep` releases (default 5), and never delete the running release, the one
// before it (what a rollback goes back to) or any release a service still runs from. Only folders named like a
// release id are ever touched; staging folders left by a snapshot that died are removed.
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isProcessAlive } from '../exec/proc-stat.js';
import { RELEASE_ID } from './snapshot-release.js';

export const DEFAULT_KEEP_RELEASES = 5;

export interface PruneInput {
  /** Release ids present. */
  readonly ids: readonly string[];
  /** How many of the newest to keep. */
  readonly keep: number;
  /** The release running now, and the one before it: never deleted, whatever `keep` says. */
  readonly running: string | null;
  readonly previous: string | null;
  /** Releases some service still runs from (an unchanged service keeps its older release folder). */
  readonly inUse?: readonly string[];
}

export interface PrunePlan {
  readonly keep: readonly string[];
  readonly remove: readonly string[];
}

/** Which releases go (pure). Ids sort by time, so the newest are the last. */
export function planPrune(input: PruneInput): PrunePlan {
  const ids = [...new Set(input.ids.filter((id) => RELEASE_ID.test(id)))].sort();
  const newest = new Set(ids.slice(Math.max(0, ids.length - Math.max(0, input.keep))));
  const protectedIds = new Set([input.running, input.previous, ...(input.inUse ?? [])].filter((id): id is string => id !== null));
  const keep = ids.filter((id) => newest.has(id) || protectedIds.has(id));
  return { keep, remove: ids.filter((id) => !keep.includes(id)) };
}

/** Release ids in a releases folder, oldest first (none when the folder does not exist). */
export function listReleaseIds(releasesDir: string): string[] {
  try {
    return readdirSync(releasesDir, { withFileTypes: true }).filter((e) => e.isDirectory() && RELEASE_ID.test(e.name)).map((e) => e.name).sort();
  } catch {
    return [];
  }
}

/** Deletes the releases `planPrune` lets go, and staging folders of snapshots whose process is gone. */
export function pruneReleases(options: Omit<PruneInput, 'ids' | 'keep'> & { readonly releasesDir: string; readonly keep?: number }): PrunePlan {
  const plan = planPrune({ ...options, ids: listReleaseIds(options.releasesDir), keep: options.keep ?? DEFAULT_KEEP_RELEASES });
  for (const id of plan.remove) rmSync(join(options.releasesDir, id), { recursive: true, force: true });
  let entries: string[] = [];
  try {
    entries = readdirSync(options.releasesDir);
  } catch {
    // no releases yet
  }
  for (const name of entries) {
    const match = /^\.staging-(\d+)-[0-9a-f]+$/.exec(name);
    if (match !== null && !isProcessAlive(Number(match[1]))) rmSync(join(options.releasesDir, name), { recursive: true, force: true });
  }
  return plan;
}
