// Deploy history in state.db (migration 3): a row per deploy or rollback, written when it starts and again when
// it ends, so a deploy the daemon did not live to finish reads back as `running` and is shown as interrupted.
import { existsSync } from 'node:fs';
import { openStateDb, stateDbPath, type StateDb } from '../state/open-state-db.js';

export type DeployKind = 'deploy' | 'rollback';
export type DeployOutcome = 'running' | 'succeeded' | 'failed' | 'rolled_back' | 'interrupted';

/** One line of a deploy's summary table. */
export interface SummaryRow {
  /** A service, or `build NAME`, `release NAME`, `backup NAME`, `hook pre 1`. */
  readonly item: string;
  readonly from: string | null;
  readonly to: string | null;
  readonly result: 'done' | 'reused' | 'unchanged' | 'failed' | 'rolled back' | 'skipped' | 'stopped' | 'warning';
  readonly ms: number;
  readonly detail?: string;
}

export interface DeployRecord {
  readonly id: number;
  readonly kind: DeployKind;
  readonly release: string | null;
  readonly previousRelease: string | null;
  readonly ref: string | null;
  readonly state: DeployOutcome;
  readonly startedAt: number;
  readonly finishedAt: number | null;
  readonly holder: string;
  readonly reason: string | null;
  readonly steps: readonly SummaryRow[];
}

interface Row {
  id: number; kind: DeployKind; release: string | null; previous_release: string | null; ref: string | null; state: DeployOutcome;
  started_at: number; finished_at: number | null; holder: string; reason: string | null; steps: string;
}

const toRecord = (row: Row): DeployRecord => ({
  id: row.id, kind: row.kind, release: row.release, previousRelease: row.previous_release, ref: row.ref, state: row.state,
  startedAt: row.started_at, finishedAt: row.finished_at, holder: row.holder, reason: row.reason, steps: JSON.parse(row.steps) as SummaryRow[],
});

export interface NewDeploy {
  readonly kind: DeployKind;
  readonly release: string | null;
  readonly previousRelease: string | null;
  readonly ref: string | null;
  readonly holder: string;
  readonly startedAt: number;
}

/** Starts a history row; returns its id. */
export function insertDeploy(db: StateDb, deploy: NewDeploy): number {
  const result = db
    .prepare('INSERT INTO deploys (kind, release, previous_release, ref, state, started_at, holder) VALUES (?, ?, ?, ?, \'running\', ?, ?)')
    .run(deploy.kind, deploy.release, deploy.previousRelease, deploy.ref, deploy.startedAt, deploy.holder);
  return Number(result.lastInsertRowid);
}

/** Ends a history row with its outcome and summary. */
export function finishDeploy(db: StateDb, id: number, end: { readonly state: Exclude<DeployOutcome, 'running'>; readonly reason: string | null; readonly steps: readonly SummaryRow[]; readonly finishedAt: number; readonly release?: string | null }): void {
  db.prepare('UPDATE deploys SET state = ?, reason = ?, steps = ?, finished_at = ?, release = COALESCE(?, release) WHERE id = ?')
    .run(end.state, end.reason, JSON.stringify(end.steps), end.finishedAt, end.release ?? null, id);
}

/** Rows a daemon that died mid-deploy left `running`: marked interrupted (called at daemon start). */
export function markInterruptedDeploys(db: StateDb, now: number): number {
  return db.prepare('UPDATE deploys SET state = \'interrupted\', finished_at = ?, reason = \'the daemon stopped during the deploy\' WHERE state = \'running\'').run(now).changes;
}

/** Newest first. */
export function listDeploys(db: StateDb, limit = 50): DeployRecord[] {
  return db.prepare<[number], Row>('SELECT * FROM deploys ORDER BY id DESC LIMIT ?').all(limit).map(toRecord);
}

/**
 * At daemon start: a deploy row still `running` belongs to a daemon that died during it (the deploy runs inside the
 * daemon), so it is marked interrupted now, not when the next deploy happens to start. Returns how many.
 */
export function settleInterruptedDeploys(stateDir: string, now: number = Date.now()): number {
  const file = stateDbPath(stateDir);
  if (!existsSync(file)) return 0;
  const db = openStateDb(file);
  try {
    return markInterruptedDeploys(db, now);
  } finally {
    db.close();
  }
}
