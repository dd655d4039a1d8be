// Open incidents and the last notice of each key, in state.db: the dedupe survives a daemon restart, so a crash
// loop that goes on across one is still one alert, and its "resolved" still comes. The instances still in an
// incident are kept with it (a JSON list), so two looping replicas stay one incident until neither loops.
import type { StateDb } from '../state/open-state-db.js';
import type { Incident } from './alert-rules.js';

interface Row {
  readonly key: string;
  readonly kind: 'incident' | 'notice';
  readonly type: string;
  readonly service: string | null;
  readonly opened_at: number;
  readonly last_at: number;
  readonly count: number;
  readonly what: string;
  readonly instances: string;
}

function parseInstances(text: string): number[] {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value.filter((item): item is number => Number.isInteger(item)).sort((a, b) => a - b) : [];
  } catch {
    return [];
  }
}

const toIncident = (row: Row): Incident => ({ key: row.key, kind: row.kind, type: row.type, service: row.service, openedAt: row.opened_at, lastAt: row.last_at, count: row.count, what: row.what, instances: parseInstances(row.instances) });

export class IncidentBook {
  readonly #db: StateDb;

  constructor(db: StateDb) {
    this.#db = db;
  }

  get(key: string): Incident | null {
    const row = this.#db.prepare('SELECT * FROM alert_incidents WHERE key = ?').get(key) as Row | undefined;
    return row === undefined ? null : toIncident(row);
  }

  /** Keeps `incident` under its key, or removes the key when null. */
  put(key: string, incident: Incident | null): void {
    if (incident === null) {
      this.#db.prepare('DELETE FROM alert_incidents WHERE key = ?').run(key);
      return;
    }
    this.#db
      .prepare('INSERT INTO alert_incidents (key, kind, type, service, opened_at, last_at, count, what, instances) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET kind = excluded.kind, type = excluded.type, service = excluded.service, opened_at = excluded.opened_at, last_at = excluded.last_at, count = excluded.count, what = excluded.what, instances = excluded.instances')
      .run(incident.key, incident.kind, incident.type, incident.service, incident.openedAt, incident.lastAt, incident.count, incident.what, JSON.stringify(incident.instances));
  }

  /** Open incidents (not notices), oldest first. */
  open(): Incident[] {
    return (this.#db.prepare("SELECT * FROM alert_incidents WHERE kind = 'incident' ORDER BY opened_at").all() as Row[]).map(toIncident);
  }

  /** Forgets notices older than `before` (their cooldown is long over). */
  pruneNotices(before: number): number {
    return this.#db.prepare("DELETE FROM alert_incidents WHERE kind = 'notice' AND last_at < ?").run(before).changes;
  }
}
