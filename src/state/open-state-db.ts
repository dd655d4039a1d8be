// Opens (creating when asked) the stack's state database, `.berth/state.db`: SQLite in WAL mode, private
// to the owner (0600, its -wal and -shm files inherit that mode), migrated to the newest schema.
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { migrate, MIGRATIONS, type Migration } from './migrations.js';

export type StateDb = Database.Database;

export const STATE_DB_NAME = 'state.db';

/** Where the state database of a stack lives, from its `.berth` folder. */
export function stateDbPath(stateDir: string): string {
  return join(stateDir, STATE_DB_NAME);
}

export interface OpenStateDbOptions {
  /** false: fail when the file does not exist yet (readers such as `berth events`); default true. */
  readonly create?: boolean;
  /** How long a write waits for another process's write lock, in ms (default 2000). */
  readonly busyTimeoutMs?: number;
  /** For tests; defaults to every migration Berth has. */
  readonly migrations?: readonly Migration[];
}

/** Opens and migrates the database; throws when it cannot (the caller decides whether that is fatal). */
export function openStateDb(file: string, options: OpenStateDbOptions = {}): StateDb {
  const create = options.create ?? true;
  if (create && !existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    // Why create the file first: SQLite would create it with the umask's mode (often 0644), and its
    // -wal and -shm files copy the main file's mode.
    closeSync(openSync(file, 'a', 0o600));
  }
  const db = new Database(file, { fileMustExist: !create });
  try {
    if (create) chmodSync(file, 0o600);
    db.pragma(`busy_timeout = ${String(Math.max(0, Math.floor(options.busyTimeoutMs ?? 2000)))}`);
    db.pragma('journal_mode = WAL');
    // In WAL mode NORMAL loses at most the last transactions on power loss, never consistency.
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrate(db, options.migrations ?? MIGRATIONS);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}
