// The pure parts: which event opens, resolves or notices what; the dedupe decision; the message's words; when a
// scheduled backup is overdue; the alert secrets blanked in events.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideAlert, NOTICE_COOLDOWN_MS, rulesForEvent, type AlertRule } from '../../src/alerts/alert-rules.js';
import { collectAlertSecrets, createSecretBlanker } from '../../src/alerts/alert-secrets.js';
import type { AlertEvents } from '../../src/alerts/alert-types.js';
import { isBackupOverdue, scheduleInterval } from '../../src/alerts/backup-overdue.js';
import { formatAgo, formatAlert } from '../../src/alerts/format-alert.js';
import { redactStack } from '../../src/config/redact-stack.js';
import { createRedactor, redactValue } from '../../src/state/redact-secrets.js';
import { loadText } from '../helpers/temp-stack.js';

const ALL_ON: AlertEvents = { crash_loop: true, watchdog_restart: true, service_down: true, deploy_failed: true, deploy_succeeded: false, backup_failed: true, job_failed: true, cert_expiring: true, disk_full: true, unclean_restart: true };
const T0 = Date.UTC(2026, 10, 1, 12, 0, 0);

const rules = (type: string, service: string | null, payload: Record<string, unknown> = {}, events: AlertEvents = ALL_ON): AlertRule[] => rulesForEvent({ time: T0, type, service, payload }, events);

describe('alert rules', () => {
  it('maps each alerting event to its incident key (type:subject) and action', () => {
    const cases: [string, string | null, Record<string, unknown>, string[]][] = [
      ['crash_loop', 'web', { restarts: 5, reason: 'exited with code 1' }, ['open crash_loop:web']],
      ['crash_loop_resolved', 'web', {}, ['resolve crash_loop:web']],
      ['watchdog_restart', 'web', { output: 'HTTP 503' }, ['notice watchdog_restart:web']],
      ['service_down', 'web', { phase: 'backoff', down_after: '60s' }, ['open service_down:web']],
      ['service_recovered', 'web', {}, ['resolve service_down:web']],
      ['deploy_failed', null, { release: 'r1', reason: 'x' }, ['open deploy_failed:stack']],
      ['deploy_rolled_back', null, { release: 'r1', reason: 'x' }, ['open deploy_failed:stack']],
      ['deploy_succeeded', null, { release: 'r2' }, ['resolve deploy_failed:stack']],
      ['backup_failed', 'db', { reason: 'x' }, ['open backup_failed:db']],
      ['backup_overdue', 'db', { schedule: '0 2 * * *', last_verified: null }, ['open backup_overdue:db']],
      ['backup_verified', 'db', { id: 'b1' }, ['resolve backup_failed:db', 'resolve backup_overdue:db']],
      ['backup_offsite_failed', 'db', { id: 'b1', remote: 'r:', reason: 'x' }, ['notice backup_offsite_failed:db']],
      ['job_failed', 'nightly', { run: 3, reason: 'timed out after 5m' }, ['open job_failed:nightly']],
      ['job_succeeded', 'nightly', { run: 4, ms: 120 }, ['resolve job_failed:nightly']],
      ['job_skipped', 'nightly', { reason: 'db is not ready' }, []],
      ['cert_failed', null, { host: 'a.example.com', failures: 2 }, ['open cert_failed:a.example.com']],
      ['cert_expiring', null, { host: 'a.example.com', days: 9 }, ['open cert_expiring:a.example.com']],
      ['cert_issued', null, { host: 'a.example.com' }, ['resolve cert_failed:a.example.com', 'resolve cert_expiring:a.example.com']],
      ['disk_full', null, { path: '/srv', used_percent: 95, threshold: 90 }, ['open disk_full:/srv']],
      ['disk_ok', null, { path: '/srv' }, ['resolve disk_full:/srv']],
      ['daemon_started', null, { previous_unclean: true, previous_reasons: ['killed'] }, ['notice unclean_restart:stack']],
      ['daemon_started', null, { previous_unclean: false }, []],
      ['state', 'web', { phase: 'backoff' }, []],
      ['start_failed', 'web', { output: 'x' }, []],
    ];
    for (const [type, service, payload, expected] of cases) assert.deepEqual(rules(type, service, payload).map((r) => `${r.action} ${r.key}`), expected, type);
  });

  it('switched-off events open nothing, but still resolve; deploy_succeeded is off by default and a notice when on', () => {
    const off = { ...ALL_ON, crash_loop: false, deploy_failed: false, job_failed: false };
    assert.deepEqual(rules('crash_loop', 'web', {}, off), []);
    assert.equal(rules('crash_loop_resolved', 'web', {}, off).length, 1);
    assert.deepEqual(rules('job_failed', 'report', { run: 3, reason: 'exited with code 1' }, off), []);
    assert.deepEqual(rules('job_succeeded', 'report', { run: 4 }, off).map((r) => [r.action, r.key]), [['resolve', 'job_failed:report']]);
    assert.deepEqual(rules('deploy_succeeded', null, { release: 'r2' }, { ...ALL_ON, deploy_succeeded: true }).map((r) => r.action), ['resolve', 'notice']);
    const loaded = loadText('services:\n  web: { command: sleep 1 }\nalerts: []\n');
    assert.ok(loaded.ok);
    assert.equal(loaded.stack.alerts.events.deploy_succeeded, false);
    assert.equal(loaded.stack.alerts.disk_threshold, 90);
    assert.equal(loaded.stack.alerts.rate_limit, 10);
  });

  it('dedupe: one message when an incident opens, none while it stays open, one when it resolves', () => {
    const [open] = rules('crash_loop', 'web', { restarts: 5, reason: 'boom' });
    const [resolve] = rules('crash_loop_resolved', 'web');
    assert.ok(open && resolve);
    const first = decideAlert(open, null, T0);
    assert.equal(first.message?.state, 'open');
    assert.ok(first.incident);
    const again = decideAlert({ ...open, time: T0 + 1000 }, first.incident, T0 + 1000);
    assert.equal(again.message, null);
    assert.equal(again.incident?.count, 2);
    const resolved = decideAlert(resolve, again.incident, T0 + 60_000);
    assert.equal(resolved.message?.state, 'resolved');
    assert.equal(resolved.message.since, T0, 'since: when the incident began');
    assert.equal(resolved.incident, null);
    assert.equal(decideAlert(resolve, null, T0 + 61_000).message, null, 'nothing to resolve: no message');
  });

  it('an incident fed by instances stays open until the last instance in it resolves; unknown instances resolve it whole', () => {
    const loop = (instance: number | null): AlertRule => rulesForEvent({ time: T0, type: 'crash_loop', service: 'web', instance, payload: { restarts: 5, reason: 'boom' } }, ALL_ON)[0] as AlertRule;
    const done = (instance: number | null): AlertRule => rulesForEvent({ time: T0, type: 'crash_loop_resolved', service: 'web', instance, payload: {} }, ALL_ON)[0] as AlertRule;
    const first = decideAlert(loop(2), null, T0);
    assert.equal(first.message?.state, 'open');
    const both = decideAlert(loop(1), first.incident, T0);
    assert.equal(both.message, null);
    assert.deepEqual(both.incident?.instances, [1, 2]);
    assert.deepEqual(decideAlert(loop(1), both.incident, T0).incident?.instances, [1, 2], 'once each');
    const one = decideAlert(done(2), both.incident, T0);
    assert.equal(one.message, null, 'instance 1 still loops');
    assert.deepEqual(one.incident?.instances, [1]);
    assert.deepEqual(decideAlert(done(3), one.incident, T0), { message: null, incident: one.incident }, 'an instance not in it changes nothing');
    assert.equal(decideAlert(done(1), one.incident, T0).message?.state, 'resolved');
    assert.equal(decideAlert(done(null), both.incident, T0).message?.state, 'resolved', 'a resolve of no instance: the whole incident');
    const unknown = decideAlert(loop(null), null, T0).incident;
    assert.deepEqual(unknown?.instances, []);
    assert.equal(decideAlert(done(1), unknown, T0).message?.state, 'resolved', 'instances not known: any resolve closes it');
  });

  it('notices: one per cooldown; the next one counts those held back', () => {
    const [notice] = rules('watchdog_restart', 'web', { output: 'HTTP 503' });
    assert.ok(notice);
    const first = decideAlert(notice, null, T0);
    assert.equal(first.message?.state, 'notice');
    const held = decideAlert(notice, first.incident, T0 + 1000);
    assert.equal(held.message, null);
    const held2 = decideAlert(notice, held.incident, T0 + 2000);
    const later = decideAlert(notice, held2.incident, T0 + NOTICE_COOLDOWN_MS + 1);
    assert.equal(later.message?.repeats, 2);
    assert.equal(later.message.since, T0);
  });

  it('every message names the stack, host, service, what happened, since when, and where to look', () => {
    const [open] = rules('crash_loop', 'web', { restarts: 5, reason: 'exited with code 1' });
    assert.ok(open);
    const message = decideAlert(open, null, T0 + 180_000).message;
    assert.ok(message);
    const { subject, text, json } = formatAlert(message, { stack: 'senex', host: 'vps-1' });
    assert.equal(subject, '[senex@vps-1] ALERT: web is crash-looping');
    assert.equal(text, `[senex@vps-1] ALERT: web is crash-looping

web keeps crashing: restarted 5 times; last: exited with code 1. Berth keeps restarting it with backoff.

Stack:   senex
Host:    vps-1
Service: web
Since:   2026-11-01 12:00:00 UTC (3m ago)
Look:    berth logs web -n 50`);
    assert.equal(json.look, 'berth logs web -n 50');
    assert.equal(formatAgo(2 * 3600_000 + 5 * 60_000), '2h 5m');
    assert.equal(formatAgo(26 * 3600_000), '1d 2h');
  });

  it('a scheduled backup is overdue after two intervals without a verified one', () => {
    const now = Date.UTC(2026, 10, 10, 12, 0, 0);
    assert.equal(scheduleInterval('0 2 * * *', now), 86_400_000);
    assert.equal(isBackupOverdue('0 2 * * *', now - 47 * 3600_000, now - 100 * 86_400_000, now), false);
    assert.equal(isBackupOverdue('0 2 * * *', now - 49 * 3600_000, now - 100 * 86_400_000, now), true);
    assert.equal(isBackupOverdue('0 2 * * *', null, now - 3600_000, now), false, 'never backed up, but only just watched');
    assert.equal(isBackupOverdue('0 2 * * *', null, now - 3 * 86_400_000, now), true);
    assert.equal(isBackupOverdue('not a cron', null, 0, now), false);
  });

  it('alert credentials are blanked in recorded events and `berth config`, even written straight into berth.yml', () => {
    const loaded = loadText(`services:
  web: { command: sleep 1 }
alerts:
  - telegram: { token: "111:tg-SECRET-literal", chat: 1 }
  - webhook: { url: "https://hooks.example.com/x?sig=query-SECRET-77", secret: "hmac-SECRET-99" }
  - slack: { url: "https://hooks.slack.com/services/T1/B2/slack-SECRET-33" }
  - email: { to: ops@example.com, smtp: "smtps://me:p%40ss-SECRET-55@mail.example.com:465" }
`);
    assert.ok(loaded.ok);
    const redact = createRedactor(loaded.stack);
    const payload = { output: 'token 111:tg-SECRET-literal, sig=query-SECRET-77 hmac-SECRET-99 /services/T1/B2/slack-SECRET-33 p@ss-SECRET-55 p%40ss-SECRET-55' };
    const text = JSON.stringify(redactValue(payload, redact));
    assert.ok(!/SECRET/.test(text), text);
    const blank = createSecretBlanker(collectAlertSecrets(loaded.stack.alerts.channels));
    assert.ok(!/SECRET/.test(blank(payload.output)), blank(payload.output));
    const printed = JSON.stringify(redactStack(loaded.stack));
    assert.ok(!/SECRET/.test(printed), `berth config: ${printed}`);
  });
});
