// The daemon's side of alerts: judges every recorded event (incidents opened and resolved, notices), watches what
// no event reports by itself (a service down too long, a disk nearly full, a backup overdue), queues messages in
// state.db and delivers them in the background with fallback, retries and a rate limit. Nothing here runs on the
// supervisor's call stack: events are picked up on the next turn of the loop and every send has a deadline.
import { hostname } from 'node:os';
import type { ResolvedStack } from '../config/resolved-stack.js';
import { BackupCatalog } from '../backup/backup-catalog.js';
import { AlertQueue, DEFAULT_RETRY, retryDelay, type QueuedAlert, type RetryPolicy } from '../alerts/alert-queue.js';
import { IncidentBook } from '../alerts/alert-incidents.js';
import { decideAlert, NOTICE_COOLDOWN_MS, rulesForEvent, type AlertRule } from '../alerts/alert-rules.js';
import { collectAlertSecrets, createSecretBlanker } from '../alerts/alert-secrets.js';
import { listChannels, type AlertChannel, type AlertMessage, type ChannelResult } from '../alerts/alert-types.js';
import { isBackupOverdue } from '../alerts/backup-overdue.js';
import { deliverAlert } from '../alerts/deliver-alert.js';
import { formatBytes, measureDisks } from '../alerts/disk-usage.js';
import { formatAlert, type AlertOrigin } from '../alerts/format-alert.js';
import { RATE_WINDOW_MS, RateLimit } from '../alerts/rate-limit.js';
import { SEND_TIMEOUT_MS, sendToChannel, type SendContext } from '../alerts/send-to-channel.js';
import { ServiceDownWatch } from '../alerts/service-down-watch.js';
import { testChannels } from '../alerts/test-channels.js';
import { parseDuration } from '../shared/duration.js';
import type { Logger } from '../shared/logger.js';
import type { NewEvent } from '../state/event-store.js';
import { openStateDb, stateDbPath, type StateDb } from '../state/open-state-db.js';
import type { PreviousDaemon } from '../state/previous-daemon.js';
import { canBackUp } from './backup-sources.js';

export interface AlertControllerOptions {
  readonly stack: ResolvedStack;
  readonly stateDir: string;
  readonly logger: Logger;
  /** Records an event (the recorder's append); the controller hears it back through `observe`. */
  readonly record: (event: NewEvent) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** How the daemon before ended; an unclean stop is a notice. */
  readonly previous?: Pick<PreviousDaemon, 'unclean' | 'reasons'>;
  readonly sendTimeoutMs?: number;
  readonly retry?: RetryPolicy;
  /** How often disks are measured (default 5 min) and backups checked for being overdue (default 10 min). */
  readonly diskEveryMs?: number;
  readonly backupEveryMs?: number;
}

export interface AlertOverview {
  readonly channels: readonly string[];
  readonly pending: number;
  readonly incidents: readonly { readonly key: string; readonly service: string | null; readonly since: number; readonly what: string; readonly events: number }[];
  readonly recent: readonly QueuedAlert[];
}

// Incident types a daemon restart leaves without their resolving event: settled by the new daemon's own view.
const SERVICE_INCIDENTS = new Set(['crash_loop', 'service_down']);

export class AlertController {
  readonly #options: AlertControllerOptions;
  readonly #db: StateDb;
  #catalog: BackupCatalog | null = null;
  readonly #queue: AlertQueue;
  readonly #book: IncidentBook;
  readonly #channels: readonly AlertChannel[];
  readonly #rate: RateLimit;
  readonly #origin: AlertOrigin;
  readonly #send: SendContext;
  readonly #blank: (text: string) => string;
  readonly #down: ServiceDownWatch;
  readonly #inbox: NewEvent[] = [];
  /**
   * Crash-loop incidents a previous daemon left open, by service: the instances in them that this daemon has not
   * seen loop itself. This daemon's own crash_loop / crash_loop_resolved of an instance take that instance over;
   * the rest are resolved once the service is seen up (service_recovered, after `down_after`). An empty set: the
   * instances are not known (an incident from before they were kept), settled as a whole.
   */
  readonly #inheritedLoops = new Map<string, Set<number>>();
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #started = Date.now();
  #wake: NodeJS.Timeout | null = null;
  #pumping: Promise<void> | null = null;
  #again = false;
  #scheduled = false;
  #stopped = false;

  constructor(options: AlertControllerOptions) {
    this.#options = options;
    this.#db = openStateDb(stateDbPath(options.stateDir));
    this.#queue = new AlertQueue(this.#db);
    this.#book = new IncidentBook(this.#db);
    this.#channels = listChannels(options.stack.alerts.channels);
    // The window goes on from what the channels took before this daemon started.
    this.#rate = new RateLimit(options.stack.alerts.rate_limit, this.#queue.deliveriesSince(Date.now() - RATE_WINDOW_MS));
    this.#origin = { stack: options.stack.name, host: hostname() };
    this.#blank = createSecretBlanker(collectAlertSecrets(options.stack.alerts.channels));
    this.#send = { timeoutMs: options.sendTimeoutMs ?? SEND_TIMEOUT_MS, blank: this.#blank, cwd: options.stack.root, env: options.env };
    this.#down = new ServiceDownWatch({
      downAfterMs: parseDuration(options.stack.alerts.down_after) ?? 60_000,
      report: (kind, service, details) => {
        options.record({ time: Date.now(), type: kind === 'down' ? 'service_down' : 'service_recovered', service, payload: { phase: details.phase, reason: details.reason, ready: details.ready, down_since: details.since, down_after: options.stack.alerts.down_after } });
      },
    });
  }

  /** The configured channels' ids: `1:telegram`, `2:email`. */
  channels(): readonly string[] {
    return this.#channels.map((channel) => channel.id);
  }

  /** A listener for recorded events; never throws and returns at once. */
  readonly observe = (event: NewEvent): void => {
    if (this.#stopped) return;
    this.#inbox.push(event);
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#drainInbox();
    });
  };

  /** Starts delivering what is queued (a restart's leftovers first), and the disk and backup checks. */
  start(): void {
    const now = Date.now();
    const woken = this.#queue.wakeAll(now);
    if (woken > 0) this.#options.logger.info('alerts queued before this daemon started are sent now', { pending: woken });
    this.#book.pruneNotices(now - 2 * NOTICE_COOLDOWN_MS);
    for (const incident of this.#book.open()) {
      if (!SERVICE_INCIDENTS.has(incident.type) || incident.service === null) continue;
      this.#down.adopt(incident.service);
      if (incident.type === 'crash_loop') this.#inheritedLoops.set(incident.service, new Set(incident.instances));
    }
    if (this.#options.previous?.unclean === true) {
      this.observe({ time: now, type: 'daemon_started', payload: { previous_unclean: true, previous_reasons: this.#options.previous.reasons } });
    }
    this.#every(this.#options.diskEveryMs ?? 5 * 60_000, () => this.#checkDisks());
    this.#every(this.#options.backupEveryMs ?? 10 * 60_000, () => {
      this.#checkBackups();
    });
    this.#kick();
  }

  #every(ms: number, check: () => unknown): void {
    const run = (): void => {
      if (this.#stopped) return;
      Promise.resolve()
        .then(check)
        .catch((error: unknown) => {
          this.#options.logger.warn('an alert check failed', { error });
        });
    };
    run();
    const timer = setInterval(run, ms);
    timer.unref();
    this.#timers.push(timer);
  }

  #drainInbox(): void {
    for (let event = this.#inbox.shift(); event !== undefined && !this.#stopped; event = this.#inbox.shift()) {
      try {
        this.#down.observe(event);
        const rules = rulesForEvent(event, this.#options.stack.alerts.events);
        rules.push(...this.#settleInherited(event));
        for (const rule of rules) this.#apply(rule);
      } catch (error) {
        this.#options.logger.error('could not judge an event for alerts', { type: event.type, error });
      }
    }
  }

  // What an event says about crash-loop incidents a previous daemon left open (see #inheritedLoops).
  #settleInherited(event: NewEvent): AlertRule[] {
    const service = event.service ?? null;
    if (service === null) return [];
    const inherited = this.#inheritedLoops.get(service);
    if (inherited === undefined) return [];
    if (event.type === 'service_recovered') {
      this.#inheritedLoops.delete(service);
      const instances = inherited.size === 0 ? [null] : [...inherited];
      // One resolve an instance: only the one that leaves the incident empty sends "resolved".
      return instances.map((instance) => ({ action: 'resolve', key: `crash_loop:${service}`, type: 'crash_loop_resolved', service, instance, title: `${service} is running again`, what: `${service} is running again after the daemon restarted.`, look: 'berth status', time: event.time }));
    }
    if (event.type === 'crash_loop' || event.type === 'crash_loop_resolved') {
      // This daemon sees that instance loop itself: its own crash_loop_resolved settles it.
      const instance = event.instance ?? null;
      if (inherited.size === 0 || instance === null) this.#inheritedLoops.delete(service);
      else {
        inherited.delete(instance);
        if (inherited.size === 0) this.#inheritedLoops.delete(service);
      }
    }
    return [];
  }

  #apply(rule: AlertRule): void {
    const now = Date.now();
    const decision = this.#db.transaction(() => {
      const result = decideAlert(rule, this.#book.get(rule.key), now);
      this.#book.put(rule.key, result.incident);
      if (result.message !== null) this.#queue.enqueue(result.message, now);
      return result;
    }).immediate();
    if (decision.message === null) return;
    this.#options.logger.info('alert queued', { key: rule.key, state: decision.message.state });
    this.#kick();
  }

  async #checkDisks(): Promise<void> {
    const { stack, stateDir } = this.#options;
    const folders = [stateDir, ...Object.values(stack.services).flatMap((service) => (service.data === null ? [] : [service.data]))];
    const threshold = stack.alerts.disk_threshold;
    for (const disk of await measureDisks(folders)) {
      if (this.#stopped) return;
      const open = this.#book.get(`disk_full:${disk.path}`) !== null;
      const full = disk.usedPercent >= threshold;
      if (full === open) continue;
      this.#options.record({ time: Date.now(), type: full ? 'disk_full' : 'disk_ok', payload: { path: disk.path, paths: disk.paths, used_percent: disk.usedPercent, threshold, free: formatBytes(disk.freeBytes) } });
    }
  }

  #checkBackups(): void {
    // What the backup controller schedules: a schedule on a service it can back up (backup-sources.ts).
    const scheduled = Object.values(this.#options.stack.services).flatMap((service) => (service.backup?.schedule !== undefined && canBackUp(service) ? [{ name: service.name, schedule: service.backup.schedule }] : []));
    if (scheduled.length === 0) return;
    this.#catalog ??= new BackupCatalog(this.#db);
    const now = Date.now();
    for (const { name, schedule } of scheduled) {
      const last = this.#catalog.newestVerified(name);
      const lastVerified = last === null ? null : (last.finishedAt ?? last.startedAt);
      const open = this.#book.get(`backup_overdue:${name}`) !== null;
      if (open || !isBackupOverdue(schedule, lastVerified, this.#started, now)) continue;
      this.#options.record({ time: now, type: 'backup_overdue', service: name, payload: { schedule, last_verified: lastVerified } });
    }
  }

  // Starts a delivery round now, or right after the one running.
  #kick(): void {
    if (this.#stopped) return;
    if (this.#pumping !== null) {
      this.#again = true;
      return;
    }
    if (this.#wake !== null) clearTimeout(this.#wake);
    this.#wake = null;
    // On the next turn: a burst of events is queued whole before the round looks at it (and can summarise it).
    this.#pumping = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.#pump())
      .catch((error: unknown) => {
        this.#options.logger.error('alert delivery failed', { error: this.#blank(error instanceof Error ? error.message : String(error)) });
      })
      .finally(() => {
        this.#pumping = null;
        if (this.#again) {
          this.#again = false;
          this.#kick();
        } else this.#schedule();
      });
  }

  #schedule(): void {
    if (this.#stopped) return;
    const next = this.#queue.nextDue();
    if (next === null) return;
    this.#wake = setTimeout(() => {
      this.#wake = null;
      this.#kick();
    }, Math.max(10, next - Date.now()));
    this.#wake.unref();
  }

  async #pump(): Promise<void> {
    const policy = this.#options.retry ?? DEFAULT_RETRY;
    let due = this.#queue.due(Date.now());
    // More due than the channels may take now: the oldest go out one by one, the rest as one summary.
    const room = Math.max(1, Math.min(...this.#channels.map((channel) => this.#rate.remaining(channel.id, Date.now()))));
    if (due.length > room) {
      const rest = due.slice(room - 1);
      this.#queue.merge(rest.map((row) => row.id), summarize(rest.map((row) => row.message), Date.now()), Date.now());
      this.#options.logger.warn('alerts rate-limited: merged into one summary', { merged: rest.length });
      due = this.#queue.due(Date.now());
    }
    for (const row of due) {
      if (this.#stopped) return;
      await this.#deliver(row, policy);
    }
  }

  async #deliver(row: QueuedAlert, policy: RetryPolicy): Promise<void> {
    const alert = formatAlert(row.message, this.#origin);
    const deliveredAt: Record<string, number> = { ...row.deliveredAt };
    const outcome = await deliverAlert(this.#channels, row.delivered, async (channel) => {
      const at = Date.now();
      this.#rate.note(channel.id, at);
      const result = await sendToChannel(channel, alert, this.#send);
      // Kept with the row: the next daemon's rate limit starts from these.
      if (result.ok) deliveredAt[channel.id] = at;
      return result;
    }, (channel) => this.#rate.allows(channel.id, Date.now()));
    const now = Date.now();
    for (const result of outcome.results) {
      if (!result.ok) this.#options.logger.warn('alert channel failed', { channel: result.channel, key: row.key, error: result.error });
    }
    if (outcome.done) {
      this.#queue.markSent(row.id, outcome.delivered, deliveredAt, now);
      this.#options.logger.info('alert sent', { key: row.key, state: row.message.state, channels: outcome.delivered });
      return;
    }
    const failures = outcome.results.filter((result) => !result.ok);
    if (failures.length === 0 && outcome.deferred) {
      const freeAt = Math.min(...this.#channels.map((channel) => this.#rate.freeAt(channel.id, now)));
      this.#queue.defer(row.id, outcome.delivered, deliveredAt, Math.max(now + 10, freeAt));
      return;
    }
    const error = failures.map((result) => `${result.channel}: ${result.error ?? 'failed'}`).join('; ') || 'no channel took it';
    const giveUp = now - row.createdAt >= policy.giveUpAfterMs;
    this.#queue.markRetry(row.id, outcome.delivered, deliveredAt, error, giveUp ? null : now + retryDelay(row.attempts + 1, policy), now);
    if (giveUp) {
      this.#options.logger.error('alert given up: no channel took it', { key: row.key, attempts: row.attempts + 1, error });
      this.#options.record({ time: now, type: 'alert_failed', service: row.message.service, payload: { key: row.key, title: row.message.title, attempts: row.attempts + 1, error } });
    }
  }

  /** Sends a test message through every channel (not the fallback order: each one) and reports each result. */
  async test(): Promise<ChannelResult[]> {
    const results = await testChannels(this.#options.stack, this.#origin, this.#options.env, this.#send.timeoutMs);
    for (const result of results) this.#options.logger.info('alert test', { channel: result.channel, ok: result.ok, ...(result.error === undefined ? {} : { error: result.error }) });
    return results;
  }

  /** The queue, recent messages and open incidents (`berth alerts`). */
  overview(limit = 20): AlertOverview {
    return {
      channels: this.channels(),
      pending: this.#queue.pending(),
      incidents: this.#book.open().map((incident) => ({ key: incident.key, service: incident.service, since: incident.openedAt, what: incident.what, events: incident.count })),
      recent: this.#queue.list(limit),
    };
  }

  /** Stops the checks and deliveries (a send in flight finishes within its deadline); closes the database. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#down.stop();
    for (const timer of this.#timers) clearInterval(timer);
    if (this.#wake !== null) clearTimeout(this.#wake);
    await this.#pumping;
    try {
      this.#queue.prune();
      this.#db.close();
    } catch (error) {
      this.#options.logger.error('could not close the alert queue', { error });
    }
  }
}

// One message standing for many: their titles, and how many.
function summarize(messages: readonly AlertMessage[], now: number): AlertMessage {
  const titles = messages.map((message) => `${message.state === 'resolved' ? 'resolved: ' : ''}${message.title}`);
  const shown = titles.slice(0, 20);
  return {
    key: 'summary:stack',
    state: 'summary',
    type: 'summary',
    service: null,
    title: `${String(messages.length)} more alerts (rate limit)`,
    what: `Too many alerts at once; these were merged into one message:\n- ${shown.join('\n- ')}${titles.length > shown.length ? `\n- and ${String(titles.length - shown.length)} more` : ''}`,
    since: Math.min(...messages.map((message) => message.since)),
    time: now,
    look: 'berth alerts',
  };
}
