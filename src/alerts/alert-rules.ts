// Pure rules: which recorded event opens an incident, resolves one, or is a one-off notice; and, given the
// incident already open under the same key, whether a message goes out. One message per incident, then one
// "resolved"; a notice repeated within the cooldown is counted, not sent.
import type { NewEvent } from '../state/event-store.js';
import type { AlertEvents, AlertMessage, AlertSwitch } from './alert-types.js';

export interface AlertRule {
  readonly action: 'open' | 'resolve' | 'notice';
  /** `type:subject`; a resolve names the key of the incident it closes. */
  readonly key: string;
  readonly type: string;
  readonly service: string | null;
  /** The instance (replica) the event is about, when it is about one: an incident remembers which keep it open. */
  readonly instance: number | null;
  readonly title: string;
  readonly what: string;
  readonly look: string;
  readonly time: number;
}

/** An open incident or the last notice of a key, as kept in state.db. */
export interface Incident {
  readonly key: string;
  readonly kind: 'incident' | 'notice';
  readonly type: string;
  readonly service: string | null;
  readonly openedAt: number;
  /** Incidents: the last event that kept it open; notices: when the last one was sent. */
  readonly lastAt: number;
  /** Events seen under this key: for a notice, those held back since the last one sent, plus one. */
  readonly count: number;
  readonly what: string;
  /**
   * Incidents opened by per-instance events (a crash loop): the instances still in it, sorted. A resolve naming
   * one instance removes it; the incident is resolved when none is left. Empty: not known (opened by an event
   * without an instance, or before this was kept), and any resolve closes it.
   */
  readonly instances: readonly number[];
}

/** How long a repeated notice (a watchdog restart of the same service) stays quiet after one was sent. */
export const NOTICE_COOLDOWN_MS = 15 * 60_000;

const text = (value: unknown): string => (typeof value === 'string' ? value : value === null || value === undefined ? '' : JSON.stringify(value));

const clip = (value: string, max = 300): string => (value.length > max ? `${value.slice(0, max - 1)}…` : value);

const iso = (value: unknown): string => (typeof value === 'number' && Number.isFinite(value) ? new Date(value).toISOString() : '?');

/** The rules an event triggers (usually none or one), given the `alerts.events` switches. */
export function rulesForEvent(event: NewEvent, events: AlertEvents): AlertRule[] {
  const p = event.payload ?? {};
  const service = event.service ?? null;
  const on = (name: AlertSwitch): boolean => events[name];
  const base = { type: event.type, service, instance: event.instance ?? null, time: event.time };
  const logs = service === null ? 'berth events -n 50' : `berth logs ${service} -n 50`;
  const host = text(p.host);
  switch (event.type) {
    case 'crash_loop':
      return on('crash_loop') && service !== null ? [{ ...base, action: 'open', key: `crash_loop:${service}`, title: `${service} is crash-looping`, what: `${service} keeps crashing: restarted ${text(p.restarts)} times; last: ${clip(text(p.reason))}. Berth keeps restarting it with backoff.`, look: logs }] : [];
    case 'crash_loop_resolved':
      return service === null ? [] : [{ ...base, action: 'resolve', key: `crash_loop:${service}`, title: `${service} is running steadily again`, what: `${service} stopped crash-looping and has been up long enough to count as stable.`, look: `berth status` }];
    case 'watchdog_restart':
      return on('watchdog_restart') && service !== null ? [{ ...base, action: 'notice', key: `watchdog_restart:${service}`, title: `${service} was restarted by its live probe`, what: `The live probe of ${service}${event.instance === null || event.instance === undefined ? '' : ` (instance ${String(event.instance)})`} failed, so Berth restarted it: ${clip(text(p.output))}`, look: logs }] : [];
    case 'service_down':
      return on('service_down') && service !== null ? [{ ...base, action: 'open', key: `service_down:${service}`, title: `${service} is down`, what: `${service} has been down for more than ${text(p.down_after)} (${text(p.phase)}${text(p.reason) === '' ? '' : `: ${clip(text(p.reason))}`}).`, look: logs }] : [];
    case 'service_recovered':
      return service === null ? [] : [{ ...base, action: 'resolve', key: `service_down:${service}`, title: `${service} is up again`, what: `${service} is running${p.ready === true ? ' and ready' : ''} again.`, look: 'berth status' }];
    case 'deploy_failed':
    case 'deploy_rolled_back': {
      if (!on('deploy_failed')) return [];
      const verb = event.type === 'deploy_failed' ? 'failed' : 'was rolled back';
      return [{ ...base, action: 'open', key: 'deploy_failed:stack', title: `a deploy ${verb}`, what: `The deploy of release ${text(p.release) || '?'} ${verb}${text(p.reason) === '' ? '' : `: ${clip(text(p.reason))}`}. The previous release keeps serving.`, look: 'berth events --type deploy_failed,deploy_rolled_back,deploy_succeeded -n 10' }];
    }
    case 'deploy_succeeded': {
      const resolve: AlertRule = { ...base, action: 'resolve', key: 'deploy_failed:stack', title: 'a deploy succeeded again', what: `Release ${text(p.release) || '?'} was deployed.`, look: 'berth status' };
      return on('deploy_succeeded') ? [resolve, { ...base, action: 'notice', key: `deploy_succeeded:${text(p.release) || 'stack'}`, title: 'a deploy succeeded', what: `Release ${text(p.release) || '?'} was deployed.`, look: 'berth status' }] : [resolve];
    }
    case 'backup_failed':
      return on('backup_failed') && service !== null ? [{ ...base, action: 'open', key: `backup_failed:${service}`, title: `a backup of ${service} failed`, what: `The ${text(p.trigger)} backup of ${service} failed: ${clip(text(p.reason))}. Nothing was recorded as good; earlier verified backups are kept.`, look: `berth backups ${service}` }] : [];
    case 'backup_offsite_failed':
      return on('backup_failed') && service !== null ? [{ ...base, action: 'notice', key: `backup_offsite_failed:${service}`, title: `the off-site copy of a ${service} backup failed`, what: `Backup ${text(p.id)} of ${service} is verified, but copying it to ${text(p.remote)} failed: ${clip(text(p.reason))}`, look: `berth backups ${service}` }] : [];
    case 'backup_overdue':
      return on('backup_failed') && service !== null ? [{ ...base, action: 'open', key: `backup_overdue:${service}`, title: `the backup of ${service} is overdue`, what: `${service} is scheduled "${text(p.schedule)}", but its last verified backup is ${p.last_verified === null ? 'none' : `from ${iso(p.last_verified)}`}: more than two schedule intervals ago.`, look: `berth backups ${service}` }] : [];
    case 'backup_verified':
      return service === null ? [] : [
        { ...base, action: 'resolve', key: `backup_failed:${service}`, title: `backups of ${service} work again`, what: `Backup ${text(p.id)} of ${service} was verified by restoring it.`, look: `berth backups ${service}` },
        { ...base, action: 'resolve', key: `backup_overdue:${service}`, title: `${service} is backed up again`, what: `Backup ${text(p.id)} of ${service} was verified by restoring it.`, look: `berth backups ${service}` },
      ];
    case 'job_failed':
      return on('job_failed') && service !== null ? [{ ...base, action: 'open', key: `job_failed:${service}`, title: `job ${service} failed`, what: `Run ${text(p.run)} of job ${service} failed: ${clip(text(p.reason))}. It runs again at its next due time.`, look: `berth logs ${service} -n 50` }] : [];
    case 'job_succeeded':
      return service === null ? [] : [{ ...base, action: 'resolve', key: `job_failed:${service}`, title: `job ${service} succeeded again`, what: `Run ${text(p.run)} of job ${service} succeeded.`, look: 'berth status' }];
    case 'cert_failed':
      return on('cert_expiring') && host !== '' ? [{ ...base, action: 'open', key: `cert_failed:${host}`, title: `the certificate of ${host} could not be renewed`, what: `The CA did not issue a certificate for ${host} (${text(p.failures)} failed attempt(s)): ${clip(text(p.reason))}. Next try at ${iso(p.retry_at)}; ${p.has_valid_cert === true ? 'the current certificate is still valid and served.' : 'there is no valid certificate to serve.'}`, look: 'berth certs' }] : [];
    case 'cert_expiring':
      return on('cert_expiring') && host !== '' ? [{ ...base, action: 'open', key: `cert_expiring:${host}`, title: `the certificate of ${host} expires in ${text(p.days)} days`, what: `The certificate of ${host} (${text(p.source)}) expires at ${iso(p.not_after)}${text(p.last_error) === '' ? '' : `; last renewal error: ${clip(text(p.last_error))}`}.`, look: 'berth certs' }] : [];
    case 'cert_issued':
      return host === '' ? [] : [
        { ...base, action: 'resolve', key: `cert_failed:${host}`, title: `the certificate of ${host} was renewed`, what: `A new certificate for ${host} is valid until ${iso(p.not_after)}.`, look: 'berth certs' },
        { ...base, action: 'resolve', key: `cert_expiring:${host}`, title: `the certificate of ${host} was renewed`, what: `A new certificate for ${host} is valid until ${iso(p.not_after)}.`, look: 'berth certs' },
      ];
    case 'disk_full':
      return on('disk_full') ? [{ ...base, action: 'open', key: `disk_full:${text(p.path)}`, title: `the disk of ${text(p.path)} is ${text(p.used_percent)}% full`, what: `The disk holding ${Array.isArray(p.paths) ? p.paths.map(text).join(', ') : text(p.path)} is ${text(p.used_percent)}% full (alert at ${text(p.threshold)}%); ${text(p.free)} free.`, look: `df -h ${text(p.path)}` }] : [];
    case 'disk_ok':
      return [{ ...base, action: 'resolve', key: `disk_full:${text(p.path)}`, title: `the disk of ${text(p.path)} has room again`, what: `The disk holding ${text(p.path)} is ${text(p.used_percent)}% full, under the ${text(p.threshold)}% threshold.`, look: `df -h ${text(p.path)}` }];
    case 'daemon_started':
      return on('unclean_restart') && p.previous_unclean === true ? [{ ...base, action: 'notice', key: 'unclean_restart:stack', title: 'the daemon restarted after an unclean stop', what: `The previous Berth daemon did not stop cleanly: ${Array.isArray(p.previous_reasons) ? p.previous_reasons.map(text).join('; ') : '?'}. Services were started again.`, look: 'berth events --type daemon_started,daemon_stopped -n 10' }] : [];
    default:
      return [];
  }
}

export interface Decision {
  /** The message to queue, if any. */
  readonly message: AlertMessage | null;
  /** The record to keep under the key (null: remove it). */
  readonly incident: Incident | null;
}

/** `instances` with `instance` added (sorted, once each); unchanged for null. */
function withInstance(instances: readonly number[], instance: number | null): readonly number[] {
  if (instance === null || instances.includes(instance)) return instances;
  return [...instances, instance].sort((a, b) => a - b);
}

/** Decides what a rule does given the incident or notice kept under its key (pure). */
export function decideAlert(rule: AlertRule, existing: Incident | null, now: number, cooldownMs: number = NOTICE_COOLDOWN_MS): Decision {
  const message = (state: AlertMessage['state'], since: number, repeats?: number): AlertMessage => ({
    key: rule.key, state, type: rule.type, service: rule.service, title: rule.title, what: rule.what, since, time: now, look: rule.look, ...(repeats === undefined || repeats === 0 ? {} : { repeats }),
  });
  switch (rule.action) {
    case 'open':
      if (existing !== null && existing.kind === 'incident') return { message: null, incident: { ...existing, lastAt: rule.time, count: existing.count + 1, instances: withInstance(existing.instances, rule.instance) } };
      return { message: message('open', rule.time), incident: { key: rule.key, kind: 'incident', type: rule.type, service: rule.service, openedAt: rule.time, lastAt: rule.time, count: 1, what: rule.what, instances: withInstance([], rule.instance) } };
    case 'resolve': {
      if (existing === null || existing.kind !== 'incident') return { message: null, incident: existing };
      // Another instance of the service is still in it: the incident stays open, quietly.
      const left = rule.instance === null ? [] : existing.instances.filter((instance) => instance !== rule.instance);
      if (left.length > 0) return { message: null, incident: { ...existing, instances: left } };
      return { message: { ...message('resolved', existing.openedAt), what: `${rule.what} (It began with: ${existing.what})` }, incident: null };
    }
    case 'notice':
      if (existing !== null && existing.kind === 'notice' && now - existing.lastAt < cooldownMs) return { message: null, incident: { ...existing, count: existing.count + 1 } };
      {
        const repeats = existing?.kind === 'notice' ? existing.count - 1 : 0;
        // With repeats, "since" is when the notice before them went out.
        return { message: message('notice', repeats > 0 && existing !== null ? existing.openedAt : rule.time, repeats), incident: { key: rule.key, kind: 'notice', type: rule.type, service: rule.service, openedAt: rule.time, lastAt: now, count: 1, what: rule.what, instances: [] } };
      }
  }
}
