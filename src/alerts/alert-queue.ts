// The durable alert queue in state.db: a message is written before any send is tried, retried with exponential
// backoff until a channel takes it, and survives a daemon restart. Rows that are done are kept a while for
// `berth alerts`, then pruned. When each channel took a message is kept too: the rate limit's window is rebuilt
// from it when a daemon starts.
import type { Statement } from 'better-sqlite3';
import type { StateDb } from '../state/open-state-db.js';
import { restartDelay } from '../supervisor/backoff.js';
import type { AlertMessage } from './alert-types.js';

export type QueueState = 'pending' | 'sent' | 'failed' | 'merged';

export interface QueuedAlert {
  readonly id: number;
  readonly createdAt: number;
  readonly key: string;
  readonly state: QueueState;
  readonly message: AlertMessage;
  readonly attempts: number;
  readonly nextAt: number;
  /** Channel ids that took it. */
  readonly delivered: readonly string[];
  /** When each of them took it (ms; rows queued before this was kept have none). */
  readonly deliveredAt: Readonly<Record<string, number>>;
  readonly lastError: string | null;
  readonly finishedAt: number | null;
}

interface Row {
  readonly id: number;
  readonly created_at: number;
  readonly key: string;
  readonly state: QueueState;
  readonly message: string;
  readonly attempts: number;
  readonly next_at: number;
  readonly delivered: string;
  readonly delivered_at: string;
  readonly last_error: string | null;
  readonly finished_at: number | null;
}

export interface RetryPolicy {
  readonly firstMs: number;
  readonly maxMs: number;
  /** A message still undelivered this long after it was queued is given up (state failed). */
  readonly giveUpAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { firstMs: 5_000, maxMs: 30 * 60_000, giveUpAfterMs: 24 * 3600_000 };

/** Delay before the next try after `attempts` failed ones: 5 s, 10 s, 20 s, ... capped. */
export function retryDelay(attempts: number, policy: RetryPolicy = DEFAULT_RETRY): number {
  return restartDelay(attempts, { initialMs: policy.firstMs, maxMs: policy.maxMs });
}

// Finished rows kept for `berth alerts`.
const KEEP_FINISHED = 500;

function parseList(text: string): string[] {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
  } catch {
    return [];
  }
}

function parseTimes(text: string): Record<string, number> {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
    return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, number] => typeof entry[1] === 'number' && Number.isFinite(entry[1])));
  } catch {
    return {};
  }
}

function toQueued(row: Row): QueuedAlert {
  return { id: row.id, createdAt: row.created_at, key: row.key, state: row.state, message: JSON.parse(row.message) as AlertMessage, attempts: row.attempts, nextAt: row.next_at, delivered: parseList(row.delivered), deliveredAt: parseTimes(row.delivered_at), lastError: row.last_error, finishedAt: row.finished_at };
}

/** One channel taking one message, for the rate limit's window. */
export interface Delivery {
  readonly channel: string;
  readonly at: number;
}

export class AlertQueue {
  readonly #db: StateDb;
  readonly #insert: Statement<[number, string, string, number]>;
  /** Each statement is prepared once, on first use (the sender asks for due messages on every tick). */
  readonly #statements = new Map<string, Statement>();

  constructor(db: StateDb) {
    this.#db = db;
    this.#insert = db.prepare("INSERT INTO alert_queue (created_at, key, state, message, next_at) VALUES (?, ?, 'pending', ?, ?)");
  }

  #prepare(sql: string): Statement {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  /** Queues a message, due now; returns its id. */
  enqueue(message: AlertMessage, now: number): number {
    return Number(this.#insert.run(now, message.key, JSON.stringify(message), now).lastInsertRowid);
  }

  /** Pending messages due at `now`, oldest first. */
  due(now: number, limit = 100): QueuedAlert[] {
    return (this.#prepare("SELECT * FROM alert_queue WHERE state = 'pending' AND next_at <= ? ORDER BY id LIMIT ?").all(now, limit) as Row[]).map(toQueued);
  }

  /** When the next pending message is due, or null when none is pending. */
  nextDue(): number | null {
    const row = this.#prepare("SELECT MIN(next_at) AS at FROM alert_queue WHERE state = 'pending'").get() as { at: number | null } | undefined;
    return row?.at ?? null;
  }

  /** Makes every pending message due now (a daemon start: what waited through the restart goes out first). */
  wakeAll(now: number): number {
    return this.#prepare("UPDATE alert_queue SET next_at = ? WHERE state = 'pending' AND next_at > ?").run(now, now).changes;
  }

  /** Records a delivery that is complete; `deliveredAt` says when each channel took it. */
  markSent(id: number, delivered: readonly string[], deliveredAt: Readonly<Record<string, number>>, now: number): void {
    this.#prepare("UPDATE alert_queue SET state = 'sent', delivered = ?, delivered_at = ?, attempts = attempts + 1, finished_at = ?, last_error = NULL WHERE id = ?").run(JSON.stringify(delivered), JSON.stringify(deliveredAt), now, id);
  }

  /** Records a failed or partial attempt: tried again at `nextAt`, or given up (`failed`) when `nextAt` is null. */
  markRetry(id: number, delivered: readonly string[], deliveredAt: Readonly<Record<string, number>>, error: string, nextAt: number | null, now: number): void {
    if (nextAt === null) this.#prepare("UPDATE alert_queue SET state = 'failed', delivered = ?, delivered_at = ?, attempts = attempts + 1, last_error = ?, finished_at = ? WHERE id = ?").run(JSON.stringify(delivered), JSON.stringify(deliveredAt), error, now, id);
    else this.#prepare('UPDATE alert_queue SET delivered = ?, delivered_at = ?, attempts = attempts + 1, last_error = ?, next_at = ? WHERE id = ?').run(JSON.stringify(delivered), JSON.stringify(deliveredAt), error, nextAt, id);
  }

  /** Puts a message off without counting an attempt (a channel over its rate limit). */
  defer(id: number, delivered: readonly string[], deliveredAt: Readonly<Record<string, number>>, nextAt: number): void {
    this.#prepare('UPDATE alert_queue SET delivered = ?, delivered_at = ?, next_at = ? WHERE id = ?').run(JSON.stringify(delivered), JSON.stringify(deliveredAt), nextAt, id);
  }

  /**
   * Every channel that took a message at `since` or later, oldest first: the rate limit's window after a restart.
   * A row from before delivery times were kept counts at its finished_at, which is never earlier than the real time.
   */
  deliveriesSince(since: number): Delivery[] {
    const rows = this.#prepare("SELECT delivered, delivered_at, finished_at FROM alert_queue WHERE (finished_at IS NOT NULL AND finished_at >= ?) OR (state = 'pending' AND delivered_at != '{}')").all(since) as Pick<Row, 'delivered' | 'delivered_at' | 'finished_at'>[];
    const found: Delivery[] = [];
    for (const row of rows) {
      const times = parseTimes(row.delivered_at);
      for (const channel of parseList(row.delivered)) {
        const at = times[channel] ?? row.finished_at;
        if (at !== null && at >= since) found.push({ channel, at });
      }
    }
    return found.sort((a, b) => a.at - b.at);
  }

  /** Replaces pending messages by one summary (the rate limit): they are marked merged in the same transaction. */
  merge(ids: readonly number[], summary: AlertMessage, now: number): number {
    return this.#db.transaction(() => {
      const mark = this.#prepare("UPDATE alert_queue SET state = 'merged', finished_at = ? WHERE id = ? AND state = 'pending'");
      for (const id of ids) mark.run(now, id);
      return this.enqueue(summary, now);
    }).immediate();
  }

  /** The newest messages, newest first (`berth alerts`). */
  list(limit = 50): QueuedAlert[] {
    return (this.#prepare('SELECT * FROM alert_queue ORDER BY id DESC LIMIT ?').all(Math.max(0, Math.floor(limit))) as Row[]).map(toQueued);
  }

  /** How many messages wait. */
  pending(): number {
    return (this.#prepare("SELECT COUNT(*) AS n FROM alert_queue WHERE state = 'pending'").get() as { n: number }).n;
  }

  /** Drops finished rows beyond the newest KEEP_FINISHED. */
  prune(): number {
    const floor = this.#prepare("SELECT id FROM alert_queue WHERE state != 'pending' ORDER BY id DESC LIMIT 1 OFFSET ?").get(KEEP_FINISHED) as { id: number } | undefined;
    return floor === undefined ? 0 : this.#prepare("DELETE FROM alert_queue WHERE state != 'pending' AND id <= ?").run(floor.id).changes;
  }
}
