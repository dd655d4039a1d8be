// The backup catalog: every backup Berth started, one row a BackupRecord in the `backups` table of
// .berth/state.db (migration 2). The manifest beside each file carries the same record without its id, so a
// catalog lost with state.db can be told apart from files Berth did not create; the catalog is what retention and
// `berth backups` read.
import type { Statement } from 'better-sqlite3';
import type { StateDb } from '../state/open-state-db.js';
import type { BackupKind, BackupRecord, BackupState, BackupTrigger, OffsiteCopy, Verification } from './backup-types.js';

/** The manifest of a backup file: `<file>.manifest.json`, beside it. */
export function manifestPath(file: string): string {
  return `${file}.manifest.json`;
}

/** What a daemon that stopped during a backup leaves it as, once it starts again. */
export const INTERRUPTED_REASON = 'interrupted: the daemon stopped during the backup';

export interface BackupListFilter {
  readonly service?: string;
  readonly state?: BackupState;
  /** At most this many (the newest). */
  readonly limit?: number;
}

interface BackupRow {
  id: string;
  service: string;
  kind: string;
  state: string;
  trigger: string;
  started_at: number;
  finished_at: number | null;
  file: string;
  size: number | null;
  sha256: string | null;
  server_version: string | null;
  encrypted: number;
  verification: string | null;
  reason: string | null;
  offsite: string | null;
}

const COLUMNS = 'id, service, kind, state, trigger, started_at, finished_at, file, size, sha256, server_version, encrypted, verification, reason, offsite';
// Newest first; rowid breaks ties between backups started in the same millisecond (the order they were created).
const NEWEST_FIRST = 'ORDER BY started_at DESC, rowid DESC';

export class BackupCatalog {
  readonly #db: StateDb;
  readonly #upsert: Statement;
  readonly #get: Statement<[string], BackupRow>;
  readonly #newestVerified: Statement<[string], BackupRow>;
  readonly #lastStarted: Statement<[string], BackupRow>;
  readonly #remove: Statement<[string]>;

  constructor(db: StateDb) {
    this.#db = db;
    // ON CONFLICT DO UPDATE keeps the row (and its rowid) instead of deleting and reinserting it.
    this.#upsert = db.prepare(`
      INSERT INTO backups (${COLUMNS})
      VALUES (@id, @service, @kind, @state, @trigger, @started_at, @finished_at, @file, @size, @sha256, @server_version, @encrypted, @verification, @reason, @offsite)
      ON CONFLICT (id) DO UPDATE SET
        service = excluded.service, kind = excluded.kind, state = excluded.state, trigger = excluded.trigger,
        started_at = excluded.started_at, finished_at = excluded.finished_at, file = excluded.file, size = excluded.size,
        sha256 = excluded.sha256, server_version = excluded.server_version, encrypted = excluded.encrypted,
        verification = excluded.verification, reason = excluded.reason, offsite = excluded.offsite`);
    this.#get = db.prepare(`SELECT ${COLUMNS} FROM backups WHERE id = ?`);
    this.#newestVerified = db.prepare(`SELECT ${COLUMNS} FROM backups WHERE service = ? AND state = 'verified' ${NEWEST_FIRST} LIMIT 1`);
    this.#lastStarted = db.prepare(`SELECT ${COLUMNS} FROM backups WHERE service = ? ${NEWEST_FIRST} LIMIT 1`);
    this.#remove = db.prepare('DELETE FROM backups WHERE id = ?');
  }

  /** Inserts the record, or replaces the one with its id (every state change of a backup is saved whole). */
  save(record: BackupRecord): void {
    this.#upsert.run(toRow(record));
  }

  get(id: string): BackupRecord | null {
    const row = this.#get.get(id);
    return row === undefined ? null : fromRow(row);
  }

  /** Newest first (by start time). */
  list(filter: BackupListFilter = {}): BackupRecord[] {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (filter.service !== undefined) {
      where.push('service = ?');
      params.push(filter.service);
    }
    if (filter.state !== undefined) {
      where.push('state = ?');
      params.push(filter.state);
    }
    let sql = `SELECT ${COLUMNS} FROM backups ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ${NEWEST_FIRST}`;
    if (filter.limit !== undefined) {
      sql += ' LIMIT ?';
      params.push(Math.max(0, Math.floor(filter.limit)));
    }
    return this.#db
      .prepare<(string | number)[], BackupRow>(sql)
      .all(...params)
      .map(fromRow);
  }

  /** The newest backup of the service that counts as good, or null when it has none. */
  newestVerified(service: string): BackupRecord | null {
    const row = this.#newestVerified.get(service);
    return row === undefined ? null : fromRow(row);
  }

  /** The service's most recently started backup in any state (for schedules: was one missed?). */
  lastStarted(service: string): BackupRecord | null {
    const row = this.#lastStarted.get(service);
    return row === undefined ? null : fromRow(row);
  }

  /** Deletes the row only (applyRetention deletes the files first). */
  remove(id: string): void {
    this.#remove.run(id);
  }
}

/**
 * For a daemon starting: every backup still `running` was cut off when the previous daemon stopped (no backup
 * survives its daemon), so it is marked failed with INTERRUPTED_REASON and finished at `now`. Returns them as saved.
 */
export function failInterrupted(catalog: BackupCatalog, now: number): BackupRecord[] {
  return catalog.list({ state: 'running' }).map((record) => {
    const failed: BackupRecord = { ...record, state: 'failed', finishedAt: now, reason: INTERRUPTED_REASON };
    catalog.save(failed);
    return failed;
  });
}

function toRow(record: BackupRecord): BackupRow {
  return {
    id: record.id,
    service: record.service,
    kind: record.kind,
    state: record.state,
    trigger: record.trigger,
    started_at: record.startedAt,
    finished_at: record.finishedAt,
    file: record.file,
    size: record.size,
    sha256: record.sha256,
    server_version: record.serverVersion,
    encrypted: record.encrypted ? 1 : 0,
    verification: record.verification === null ? null : JSON.stringify(record.verification),
    reason: record.reason,
    offsite: record.offsite === null ? null : JSON.stringify(record.offsite),
  };
}

function fromRow(row: BackupRow): BackupRecord {
  return {
    id: row.id,
    service: row.service,
    // The table's CHECK constraints hold kind and state to these values.
    kind: row.kind as BackupKind,
    state: row.state as BackupState,
    trigger: row.trigger as BackupTrigger,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    file: row.file,
    size: row.size,
    sha256: row.sha256,
    serverVersion: row.server_version,
    encrypted: row.encrypted === 1,
    verification: row.verification === null ? null : (JSON.parse(row.verification) as Verification),
    reason: row.reason,
    offsite: row.offsite === null ? null : (JSON.parse(row.offsite) as OffsiteCopy),
  };
}
