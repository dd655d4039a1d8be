// Records what the supervisor reports into state.db: state changes (only when the phase or readiness
// changes, never per probe result), crash loops, watchdog restarts, failed starts, and the daemon's
// own start and stop. A database problem is logged and never reaches the supervisor.
import type { ResolvedStack } from '../config/resolved-stack.js';
import type { Logger } from '../shared/logger.js';
import type { InstancePhase, InstanceStatus, SupervisorEvent } from '../supervisor/supervisor-types.js';
import { EventStore, type NewEvent, type RetentionPolicy } from './event-store.js';
import { openStateDb, stateDbPath, type StateDb } from './open-state-db.js';
import { DAEMON_STARTED, DAEMON_STOPPED, inspectPreviousDaemon, waitForPreviousDaemon, type PreviousDaemon } from './previous-daemon.js';
import { createRedactor, redactValue } from './redact-secrets.js';

export interface EventRecorderOptions {
  readonly stack: ResolvedStack;
  readonly stateDir: string;
  readonly runDir: string;
  readonly logger: Logger;
  /** The services the daemon was asked to start (all when empty), for daemon_started. */
  readonly services?: readonly string[];
  readonly retention?: RetentionPolicy;
  readonly now?: () => number;
}

export interface EventRecorder {
  /** The store, or null when the database could not be opened (events are then only logged as lost). */
  readonly store: EventStore | null;
  /** What the previous daemon left behind; `unclean` is recorded in daemon_started. */
  readonly previous: PreviousDaemon;
  /** A supervisor listener. Never throws. */
  readonly record: (event: SupervisorEvent) => void;
  /** Records an event of another part of Berth (certificates, the edge), redacted like the others. Never throws. */
  readonly append: (event: NewEvent) => void;
  /** Calls `listener` with every event recorded from now on, redacted as stored (alerts). Returns the unsubscribe. */
  readonly subscribe: (listener: (event: NewEvent) => void) => () => void;
  /** Records daemon_stopped and closes the database; later events are dropped. Safe to call twice. */
  readonly close: (reason?: string) => void;
}

/** Every event type Berth records (later features add theirs). */
export const EVENT_TYPES = ['state', 'crash_loop', 'crash_loop_resolved', 'watchdog_restart', 'start_failed', DAEMON_STARTED, DAEMON_STOPPED, 'cert_issued', 'cert_failed', 'cert_expiring', 'backup_verified', 'backup_failed', 'backup_offsite_failed', 'restore_done', 'restore_failed', 'deploy_succeeded', 'deploy_failed', 'deploy_rolled_back', 'service_down', 'service_recovered', 'disk_full', 'disk_ok', 'backup_overdue', 'alert_failed', 'job_started', 'job_succeeded', 'job_failed', 'job_skipped', 'job_stopped'] as const;

// How often a persisting database failure is logged again.
const REPORT_EVERY_MS = 60_000;

/** The payload of a state event: the status, minus what changes with every probe. */
export function statePayload(status: InstanceStatus, from: InstancePhase | null): Record<string, unknown> {
  return {
    phase: status.phase,
    from,
    reason: status.reason,
    pid: status.pid,
    port: status.port,
    restarts: status.restarts,
    ready: status.ready,
    crash_loop: status.crashLoop,
    exit: status.lastExit,
  };
}

// Phases an instance stays in until someone acts: recorded even in a crash loop.
const SETTLED: ReadonlySet<InstancePhase> = new Set(['stopped', 'exited', 'failed', 'completed']);

/**
 * Turns supervisor events into stored events. State events only when the phase or readiness changed;
 * and while an instance is crash-looping its restarts are summed up by the one crash_loop event (and
 * crash_loop_resolved), not recorded four phases a crash, which would push everything else out.
 */
export function createEventMapper(): (event: SupervisorEvent) => NewEvent | null {
  const last = new Map<string, { phase: InstancePhase; ready: boolean | null }>();
  return (event) => {
    switch (event.type) {
      case 'state': {
        const { status } = event;
        const key = `${status.service}\u0000${String(status.instance)}`;
        const before = last.get(key);
        if (before !== undefined && before.phase === status.phase && before.ready === status.ready) return null;
        last.set(key, { phase: status.phase, ready: status.ready });
        if (status.crashLoop && !SETTLED.has(status.phase)) return null;
        return { time: event.time, type: 'state', service: status.service, instance: status.instance, payload: statePayload(status, before?.phase ?? null) };
      }
      case 'crash_loop':
        return { time: event.time, type: event.type, service: event.service, instance: event.instance, payload: { restarts: event.restarts, reason: event.reason } };
      case 'crash_loop_resolved':
        return { time: event.time, type: event.type, service: event.service, instance: event.instance, payload: {} };
      case 'watchdog_restart':
      case 'start_failed':
        return { time: event.time, type: event.type, service: event.service, instance: event.instance, payload: { output: event.output } };
      default: {
        // A new kind of event is recorded by type only, until someone decides which of its fields are safe to keep.
        const unknown = event as { readonly type: string; readonly time?: number; readonly service?: string; readonly instance?: number };
        return { time: unknown.time ?? Date.now(), type: unknown.type, service: unknown.service ?? null, instance: unknown.instance ?? null, payload: {} };
      }
    }
  };
}

/** Opens the database, notes how the previous daemon ended and records daemon_started. Never rejects. */
export async function openEventRecorder(options: EventRecorderOptions): Promise<EventRecorder> {
  const { logger } = options;
  await waitForPreviousDaemon(options.stateDir);
  const now = options.now ?? Date.now;
  const started = now();
  const redact = createRedactor(options.stack);
  let db: StateDb | null = null;
  let store: EventStore | null = null;
  const file = stateDbPath(options.stateDir);
  try {
    db = openStateDb(file);
    store = new EventStore(db, { ...(options.retention === undefined ? {} : { retention: options.retention }), now });
    const pruned = store.prune();
    if (pruned > 0) logger.info('pruned old events', { pruned });
  } catch (error) {
    logger.error('could not open the state database; events will not be recorded', { file, error });
    try {
      db?.close();
    } catch {
      // Already unusable.
    }
    db = null;
    store = null;
  }
  let failing = false;
  let lost = 0;
  let reportedAt = -Infinity;
  let closed = false;
  const listeners = new Set<(event: NewEvent) => void>();
  const notify = (event: NewEvent): void => {
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (error) {
        logger.error('an event listener failed', { type: event.type, error });
      }
    }
  };
  const append = (event: NewEvent): void => {
    if (closed) return;
    let redacted: NewEvent = event;
    try {
      redacted = { ...event, payload: redactValue(event.payload ?? {}, redact) as Record<string, unknown> };
    } catch (error) {
      logger.error('could not redact an event', { type: event.type, error });
      return;
    }
    notify(redacted);
    if (store === null) return;
    try {
      store.append(redacted);
      if (failing) {
        logger.info('recording events again', { lost });
        failing = false;
        lost = 0;
      }
    } catch (error) {
      lost += 1;
      if (!failing || now() - reportedAt >= REPORT_EVERY_MS) {
        logger.error('could not record an event', { type: event.type, lost, error });
        reportedAt = now();
      }
      failing = true;
    }
  };
  let previous: PreviousDaemon;
  try {
    previous = inspectPreviousDaemon(options.stateDir, options.runDir, store);
  } catch (error) {
    logger.error('could not tell how the previous daemon stopped', { error });
    previous = { unclean: false, reasons: [], pid: null, started: null, leftovers: [] };
  }
  if (previous.unclean) logger.warn('the previous daemon did not stop cleanly', { reasons: previous.reasons });
  logger.info('daemon started', { pid: process.pid, file: options.stack.file, events: store === null ? 'not recorded' : file });
  append({
    time: started,
    type: DAEMON_STARTED,
    payload: {
      pid: process.pid,
      file: options.stack.file,
      environment: options.stack.environment,
      services: options.services ?? [],
      previous_unclean: previous.unclean,
      previous_reasons: previous.reasons,
      previous_pid: previous.pid,
      leftovers: previous.leftovers,
    },
  });
  const map = createEventMapper();
  return {
    store,
    previous,
    append,
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    record: (event) => {
      try {
        const stored = map(event);
        if (stored !== null) append(stored);
      } catch (error) {
        logger.error('could not record an event', { type: event.type, error });
      }
    },
    close: (reason = 'stopped on request') => {
      if (closed) return;
      append({ time: now(), type: DAEMON_STOPPED, payload: { pid: process.pid, reason, uptime_ms: now() - started } });
      closed = true;
      try {
        db?.close();
      } catch (error) {
        logger.error('could not close the state database', { error });
      }
    },
  };
}
