// The event log in state.db: what happened to the stack and when (state changes, crash loops, watchdog
// restarts, daemon starts and stops). Bounded: the oldest events go once there are too many or they are
// too old, so the file never grows without limit.
import type { Statement } from 'better-sqlite3';
import type { StateDb } from './open-state-db.js';

export interface StoredEvent {
  readonly id: number;
  /** Milliseconds since the epoch. */
  readonly time: number;
  readonly type: string;
  readonly service: string | null;
  readonly instance: number | null;
  readonly payload: Readonly<Record<string, unknown>>;
}

export interface NewEvent {
  readonly time: number;
  readonly type: string;
  readonly service?: string | null;
  readonly instance?: number | null;
  /** Serialised as JSON; must not hold secrets (statuses and probe outputs are redacted where they arise). */
  readonly payload?: Readonly<Record<string, unknown>>;
}

export interface EventFilter {
  /** Only events at or after this time (ms since the epoch). */
  readonly since?: number;
  /** Only events with an id above this one (a cursor). */
  readonly afterId?: number;
  readonly service?: string;
  /** Only events of these types (any of them). */
  readonly types?: readonly string[];
  /** The newest N that match (default 100, at most MAX_LIST_LIMIT). */
  readonly limit?: number;
}

export interface RetentionPolicy {
  /** Keep at most this many events. */
  readonly maxEvents: number;
  /** Drop events older than this. */
  readonly maxAgeMs: number;
}

export const DEFAULT_RETENTION: RetentionPolicy = { maxEvents: 100_000, maxAgeMs: 30 * 24 * 60 * 60 * 1000 };
export const DEFAULT_LIST_LIMIT = 100;
export const MAX_LIST_LIMIT = 100_000;

interface EventRow {
  readonly id: number;
  readonly time: number;
  readonly type: string;
  readonly service: string | null;
  readonly instance: number | null;
  readonly payload: string;
}

function toEvent(row: EventRow): StoredEvent {
  let payload: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(row.payload);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) payload = parsed as Record<string, unknown>;
  } catch {
    // The CHECK constraint keeps payloads valid; an older row that is not is shown empty.
  }
  return { id: row.id, time: row.time, type: row.type, service: row.service, instance: row.instance, payload };
}

export interface EventStoreOptions {
  readonly retention?: RetentionPolicy;
  /** Prune after this many appends (default 1000); pruning also runs when the store is created. */
  readonly pruneEvery?: number;
  readonly now?: () => number;
}

export class EventStore {
  readonly #db: StateDb;
  readonly #retention: RetentionPolicy;
  readonly #pruneEvery: number;
  readonly #now: () => number;
  readonly #insert: Statement<[number, string, string | null, number | null, string]>;
  #sincePrune = 0;

  constructor(db: StateDb, options: EventStoreOptions = {}) {
    this.#db = db;
    this.#retention = options.retention ?? DEFAULT_RETENTION;
    this.#pruneEvery = Math.max(1, options.pruneEvery ?? 1000);
    this.#now = options.now ?? Date.now;
    this.#insert = db.prepare('INSERT INTO events (time, type, service, instance, payload) VALUES (?, ?, ?, ?, ?)');
  }

  /** Records one event; returns its id. Throws on a database error (the caller decides what that means). */
  append(event: NewEvent): number {
    const result = this.#insert.run(Math.round(event.time), event.type, event.service ?? null, event.instance ?? null, JSON.stringify(event.payload ?? {}));
    this.#sincePrune += 1;
    if (this.#sincePrune >= this.#pruneEvery) this.prune();
    return Number(result.lastInsertRowid);
  }

  /** The newest `limit` events that match, oldest first. */
  list(filter: EventFilter = {}): StoredEvent[] {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (filter.since !== undefined) {
      where.push('time >= ?');
      params.push(filter.since);
    }
    if (filter.afterId !== undefined) {
      where.push('id > ?');
      params.push(filter.afterId);
    }
    if (filter.service !== undefined) {
      where.push('service = ?');
      params.push(filter.service);
    }
    if (filter.types !== undefined && filter.types.length > 0) {
      where.push(`type IN (${filter.types.map(() => '?').join(', ')})`);
      params.push(...filter.types);
    }
    const limit = Math.min(MAX_LIST_LIMIT, Math.max(0, Math.floor(filter.limit ?? DEFAULT_LIST_LIMIT)));
    const sql = `SELECT id, time, type, service, instance, payload FROM events${where.length === 0 ? '' : ` WHERE ${where.join(' AND ')}`} ORDER BY id DESC LIMIT ?`;
    const rows = this.#db.prepare(sql).all(...params, limit) as EventRow[];
    return rows.reverse().map(toEvent);
  }

  /** How many events are stored. */
  count(): number {
    return (this.#db.prepare('SELECT COUNT(*) AS n FROM events').get() as { n: number }).n;
  }

  /** Drops events beyond the retention policy; returns how many went. */
  prune(now: number = this.#now()): number {
    this.#sincePrune = 0;
    const { maxEvents, maxAgeMs } = this.#retention;
    return this.#db.transaction(() => {
      const old = this.#db.prepare('DELETE FROM events WHERE time < ?').run(now - maxAgeMs).changes;
      // Ids only grow, so the newest maxEvents are those at or above the maxEvents-th highest id.
      const floor = this.#db.prepare('SELECT id FROM events ORDER BY id DESC LIMIT 1 OFFSET ?').get(Math.max(0, maxEvents)) as { id: number } | undefined;
      const extra = floor === undefined ? 0 : this.#db.prepare('DELETE FROM events WHERE id <= ?').run(floor.id).changes;
      return old + extra;
    }).immediate();
  }
}
