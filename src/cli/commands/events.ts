// `berth events [--service S] [--type T] [--since T] [-n N] [--json]`: what happened to the stack, from
// the running daemon or, when none runs, straight from .berth/state.db.
import { existsSync } from 'node:fs';
import { callApi } from '../../client/api-client.js';
import { parseSince } from '../../logs/parse-since.js';
import { describeChoices } from '../../shared/suggest.js';
import { formatEventQuery } from '../../state/event-query.js';
import { EVENT_TYPES } from '../../state/event-recorder.js';
import { EventStore, type EventFilter, type StoredEvent } from '../../state/event-store.js';
import { openStateDb, stateDbPath } from '../../state/open-state-db.js';
import type { StatePaths } from '../../daemon/state-paths.js';
import { EXIT, type CliIo } from '../io.js';
import { loadForCli } from '../load-for-cli.js';
import { parseOptions } from '../parse-options.js';
import { findStack } from '../stack-target.js';
import { usageError } from '../print-diagnostics.js';

export const EVENTS_HELP = `Usage: berth events [--service S] [--type T] [--since T] [-n N] [--json] [--file FILE]

Shows what happened to the stack, oldest first: state changes, crash loops, watchdog restarts,
failed starts, daemon starts and stops (and whether the daemon before had stopped cleanly).
Events are kept in .berth/state.db (the last 100,000, at most 30 days); this reads them from
the running daemon, or from the file when no daemon runs.
  --service S   only events of this service
  --type T      only events of this type; several separated by commas
                (${EVENT_TYPES.join(', ')})
  --since T     events from a duration ago (10m, 2h) or since an ISO time
  -n N          the last N events that match (default 50)
  --json        one JSON object a line`;

const DEFAULT_COUNT = 50;

type Payload = StoredEvent['payload'];

function text(value: unknown): string {
  return typeof value === 'string' ? value : value === null || value === undefined ? '' : JSON.stringify(value);
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** Local time with milliseconds: 2026-11-01 14:03:07.412. */
export function formatEventTime(time: number): string {
  const d = new Date(time);
  return `${String(d.getFullYear())}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${String(s)}s`;
  if (s < 7200) return `${String(Math.round(s / 60))}m`;
  return `${String(Math.round(s / 3600))}h`;
}

/** One line of words for an event's payload. */
export function describeEvent(event: StoredEvent): string {
  const p: Payload = event.payload;
  switch (event.type) {
    case 'state': {
      const details = [p.pid === null || p.pid === undefined ? '' : `pid ${text(p.pid)}`, p.port === null || p.port === undefined ? '' : `port ${text(p.port)}`, p.ready === false && p.phase === 'running' ? 'not ready' : ''].filter((s) => s !== '');
      const reason = text(p.reason);
      return `${p.from === null || p.from === undefined ? '' : `${text(p.from)} -> `}${text(p.phase)}${details.length === 0 ? '' : ` (${details.join(', ')})`}${reason === '' ? '' : `: ${reason}`}`;
    }
    case 'crash_loop':
      return `crash loop after ${text(p.restarts)} restart(s): ${text(p.reason)}`;
    case 'crash_loop_resolved':
      return 'crash loop resolved: running steadily again';
    case 'watchdog_restart':
      return `live probe failed; restarting: ${text(p.output)}`;
    case 'start_failed':
      return `did not pass its start probes: ${text(p.output)}`;
    case 'daemon_started': {
      const reasons = Array.isArray(p.previous_reasons) ? p.previous_reasons.map(text).join('; ') : '';
      return `daemon started (pid ${text(p.pid)})${p.previous_unclean === true ? `; the previous daemon did not stop cleanly: ${reasons}` : ''}`;
    }
    case 'daemon_stopped':
      return `daemon stopped (pid ${text(p.pid)}, ${text(p.reason)}) after ${typeof p.uptime_ms === 'number' ? formatDuration(p.uptime_ms) : '?'}`;
    default:
      return Object.keys(p).length === 0 ? '' : JSON.stringify(p);
  }
}

/** The table line of an event: time, subject (service.instance, or `stack`), type, description. */
export function formatEvent(event: StoredEvent, width: number): string {
  const subject = event.service === null ? 'stack' : event.instance === null ? event.service : `${event.service}.${String(event.instance)}`;
  return `${formatEventTime(event.time)}  ${subject.padEnd(width)}  ${event.type.padEnd(19)}  ${describeEvent(event)}`.trimEnd();
}

type Read = { readonly ok: true; readonly events: StoredEvent[] } | { readonly ok: false; readonly message: string };

// Without a daemon: read the file itself. It is not created when missing (no stack has run here yet).
function readFromFile(paths: StatePaths, filter: EventFilter): Read {
  const file = stateDbPath(paths.stateDir);
  if (!existsSync(file)) return { ok: true, events: [] };
  try {
    const db = openStateDb(file, { create: false });
    try {
      return { ok: true, events: new EventStore(db).list(filter) };
    } finally {
      db.close();
    }
  } catch (error) {
    return { ok: false, message: `could not read ${file}: ${error instanceof Error ? error.message : String(error)}` };
  }
}

async function readEvents(paths: StatePaths, filter: EventFilter): Promise<Read> {
  const result = await callApi(paths.socket, 'GET', `/v1/events/history${formatEventQuery(filter)}`, 30_000);
  if (result.ok && result.status === 200) return { ok: true, events: (result.body as { events: StoredEvent[] }).events };
  // No daemon, or one whose database is unusable (503): the file may still be readable.
  if (!result.ok || result.status === 503) return readFromFile(paths, filter);
  return { ok: false, message: (result.body as { error?: { message?: string } }).error?.message ?? `the daemon answered ${String(result.status)}` };
}

export async function runEvents(args: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseOptions('events', args, { file: { type: 'string', short: 'f' }, service: { type: 'string' }, type: { type: 'string' }, since: { type: 'string' }, n: { type: 'string', short: 'n' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  if (!parsed.ok) return usageError(io, parsed.diagnostic);
  if (parsed.values.help === true) return (io.stdout(EVENTS_HELP), EXIT.ok);
  if (parsed.positionals.length > 0) return (io.stderr(`berth events: unexpected argument ${parsed.positionals.join(' ')}; use --service to pick a service`), EXIT.badInput);
  const { values } = parsed;
  const count = values.n === undefined ? DEFAULT_COUNT : Number(values.n);
  if (!Number.isInteger(count) || count < 0) return (io.stderr('berth events: -n takes a whole number'), EXIT.badInput);
  const since = typeof values.since === 'string' ? parseSince(values.since, Date.now()) : undefined;
  if (typeof values.since === 'string' && since === undefined) return (io.stderr('berth events: --since takes a duration (10m) or an ISO time'), EXIT.badInput);
  const types = typeof values.type === 'string' ? values.type.split(',').map((t) => t.trim()).filter((t) => t !== '') : [];
  const unknownType = types.find((t) => !(EVENT_TYPES as readonly string[]).includes(t));
  if (unknownType !== undefined) return (io.stderr(`berth events: no event type \`${unknownType}\`; ${describeChoices(unknownType, EVENT_TYPES, 'type')}`), EXIT.badInput);
  const { file, paths } = findStack(io, values.file);
  const service = typeof values.service === 'string' ? values.service : undefined;
  const filter: EventFilter = { limit: count, ...(since === undefined ? {} : { since }), ...(service === undefined ? {} : { service }), ...(types.length === 0 ? {} : { types }) };
  const read = await readEvents(paths, filter);
  if (!read.ok) return (io.stderr(`berth events: ${read.message}`), EXIT.failed);
  if (read.events.length === 0 && service !== undefined) {
    // A typo would otherwise just show nothing. Only when nothing was found: a service removed from the file keeps its events.
    const loaded = loadForCli(io, file, undefined);
    if (loaded.ok && loaded.stack.services[service] === undefined && loaded.stack.jobs[service] === undefined) {
      return (io.stderr(`berth events: no service named ${service}; ${describeChoices(service, Object.keys(loaded.stack.services), 'service')}`), EXIT.badInput);
    }
  }
  if (values.json === true) {
    for (const event of read.events) io.stdout(JSON.stringify(event));
    return EXIT.ok;
  }
  if (read.events.length === 0) return (io.stdout('no events recorded'), EXIT.ok);
  const width = Math.max(5, ...read.events.map((e) => (e.service === null ? 5 : e.service.length + 1 + String(e.instance ?? '').length)));
  for (const event of read.events) io.stdout(formatEvent(event, width));
  return EXIT.ok;
}
