// The schema of .berth/state.db as an ordered list of migrations. A database records every migration it
// has had in `schema_version`; opening it applies the missing ones in order, each in its own transaction.
// Later features (releases, deploys, backups, the alert queue) append migrations here; never edit or
// reorder one that has shipped.
import type { Database } from 'better-sqlite3';

export interface Migration {
  /** 1, 2, 3, ... with no gaps: the schema version after this migration. */
  readonly version: number;
  readonly name: string;
  readonly up: (db: Database) => void;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'events',
    up: (db) => {
      // Why AUTOINCREMENT: ids are never reused after pruning, so an id is a stable cursor.
      // time is milliseconds since the epoch; payload is a JSON object.
      db.exec(`
        CREATE TABLE events (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          time INTEGER NOT NULL,
          type TEXT NOT NULL,
          service TEXT,
          instance INTEGER,
          payload TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(payload))
        );
        CREATE INDEX events_by_time ON events (time);
        CREATE INDEX events_by_service ON events (service, id);
        CREATE INDEX events_by_type ON events (type, id);
      `);
    },
  },
  {
    version: 2,
    name: 'backups',
    up: (db) => {
      // The backup catalog (src/backup/backup-catalog.ts): one row a BackupRecord. Times are milliseconds since the
      // epoch; verification and offsite are JSON objects. kind and state are checked so a typo never reads back as
      // a backup that counts; trigger is not, so a new trigger needs no migration.
      db.exec(`
        CREATE TABLE backups (
          id TEXT PRIMARY KEY,
          service TEXT NOT NULL,
          kind TEXT NOT NULL CHECK (kind IN ('postgres', 'redis', 'files')),
          state TEXT NOT NULL CHECK (state IN ('running', 'verified', 'failed')),
          trigger TEXT NOT NULL,
          started_at INTEGER NOT NULL,
          finished_at INTEGER,
          file TEXT NOT NULL,
          size INTEGER,
          sha256 TEXT,
          server_version TEXT,
          encrypted INTEGER NOT NULL DEFAULT 0 CHECK (encrypted IN (0, 1)),
          verification TEXT CHECK (verification IS NULL OR json_valid(verification)),
          reason TEXT,
          offsite TEXT CHECK (offsite IS NULL OR json_valid(offsite))
        );
        CREATE INDEX backups_by_service ON backups (service, started_at);
        CREATE INDEX backups_by_state ON backups (state, started_at);
      `);
    },
  },
  {
    version: 3,
    name: 'deploys',
    up: (db) => {
      // Deploy history (src/deploy/deploy-history.ts): one row a deploy or rollback. state is checked so a typo never
      // reads back as a deploy that succeeded; steps is the summary table as JSON (service, from, to, result, ms).
      db.exec(`
        CREATE TABLE deploys (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          kind TEXT NOT NULL CHECK (kind IN ('deploy', 'rollback')),
          release TEXT,
          previous_release TEXT,
          ref TEXT,
          state TEXT NOT NULL CHECK (state IN ('running', 'succeeded', 'failed', 'rolled_back', 'interrupted')),
          started_at INTEGER NOT NULL,
          finished_at INTEGER,
          holder TEXT NOT NULL,
          reason TEXT,
          steps TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(steps))
        );
        CREATE INDEX deploys_by_time ON deploys (started_at);
      `);
    },
  },
  {
    version: 4,
    name: 'alerts',
    up: (db) => {
      // The alert queue (src/alerts/alert-queue.ts): one row a message, kept until it is sent to a channel that
      // accepted it (and to every `all: true` channel), retried with backoff meanwhile, so a message survives a daemon
      // restart. delivered lists the channel ids that took it. Open incidents (src/alerts/alert-incidents.ts) make
      // the dedupe survive a restart too: one message per incident, then one "resolved".
      db.exec(`
        CREATE TABLE alert_queue (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          created_at INTEGER NOT NULL,
          key TEXT NOT NULL,
          state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed', 'merged')),
          message TEXT NOT NULL CHECK (json_valid(message)),
          attempts INTEGER NOT NULL DEFAULT 0,
          next_at INTEGER NOT NULL,
          delivered TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(delivered)),
          last_error TEXT,
          finished_at INTEGER
        );
        CREATE INDEX alert_queue_due ON alert_queue (state, next_at);
        CREATE TABLE alert_incidents (
          key TEXT PRIMARY KEY,
          kind TEXT NOT NULL CHECK (kind IN ('incident', 'notice')),
          type TEXT NOT NULL,
          service TEXT,
          opened_at INTEGER NOT NULL,
          last_at INTEGER NOT NULL,
          count INTEGER NOT NULL DEFAULT 1,
          what TEXT NOT NULL
        );
      `);
    },
  },
  {
    version: 5,
    name: 'alert_instances',
    up: (db) => {
      // alert_incidents.instances: the instances (replicas) of the service that keep an incident open, as a JSON
      // list, so a crash loop of two replicas is resolved only when neither loops any more, across a daemon restart
      // too ('[]': not known, as for incidents opened before this column; any resolve closes those).
      // alert_queue.delivered_at: when each channel took the message (JSON object, channel id -> ms), so the rate
      // limit's window is rebuilt from this table when the daemon starts.
      db.exec(`
        ALTER TABLE alert_incidents ADD COLUMN instances TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(instances));
        ALTER TABLE alert_queue ADD COLUMN delivered_at TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(delivered_at));
      `);
    },
  },
];

/** The newest version the given migrations lead to (0 for none). */
export function latestVersion(migrations: readonly Migration[] = MIGRATIONS): number {
  return migrations.at(-1)?.version ?? 0;
}

/** Throws when the list is not 1, 2, 3, ... in order: a programming error, caught by the tests. */
export function checkMigrations(migrations: readonly Migration[]): void {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) throw new Error(`migration ${migration.name} has version ${String(migration.version)}, expected ${String(index + 1)}`);
  });
}

/** The version a database is at (0 when new). */
export function currentVersion(db: Database): number {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  const row = db.prepare('SELECT MAX(version) AS version FROM schema_version').get() as { version: number | null } | undefined;
  return row?.version ?? 0;
}

export interface MigrationResult {
  readonly from: number;
  readonly to: number;
}

/**
 * Applies the migrations the database has not had. Each runs in an IMMEDIATE transaction that re-reads the
 * version first, so two processes opening the same new database apply each migration once.
 * Throws when the database is newer than this Berth (a downgrade): it must not be written to blindly.
 */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS, now: () => number = Date.now): MigrationResult {
  checkMigrations(migrations);
  const from = currentVersion(db);
  const latest = latestVersion(migrations);
  if (from > latest) throw new Error(`the state database has schema version ${String(from)}, newer than this Berth knows (${String(latest)}); upgrade Berth`);
  const record = db.prepare('INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)');
  for (const migration of migrations) {
    if (migration.version <= from) continue;
    db.transaction(() => {
      if (currentVersion(db) >= migration.version) return;
      migration.up(db);
      record.run(migration.version, migration.name, now());
    }).immediate();
  }
  return { from, to: Math.max(from, latest) };
}
