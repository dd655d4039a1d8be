// The alert controller with real receivers on loopback and a real state.db, fed events as the recorder would:
// fallback, `all: true`, one message per incident then one resolved, the rate limit's summary, retries that
// survive a restart, a service down too long, a full disk (by a low threshold), an unclean daemon stop; replicas
// that loop or are down at different times (one incident, resolved when the last one is back, across a restart
// too); a rate-limit window that goes on across a restart.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, it } from 'node:test';
import { IncidentBook } from '../../src/alerts/alert-incidents.js';
import type { Incident } from '../../src/alerts/alert-rules.js';
import type { ResolvedStack } from '../../src/config/resolved-stack.js';
import { AlertController } from '../../src/daemon/alert-controller.js';
import { createStreamLogger } from '../../src/shared/logger.js';
import type { NewEvent } from '../../src/state/event-store.js';
import { openStateDb, stateDbPath } from '../../src/state/open-state-db.js';
import { allocatePort } from '../../src/supervisor/allocate-port.js';
import { loadText } from '../helpers/temp-stack.js';
import { startHttpReceiver, until, type HttpReceiver } from './receivers.js';

const TOKEN = '999:tg-SECRET-controller-token';

interface Harness {
  readonly controller: AlertController;
  readonly stack: ResolvedStack;
  readonly stateDir: string;
  readonly recorded: NewEvent[];
  readonly log: () => string;
}

const open: AlertController[] = [];
const receivers: HttpReceiver[] = [];
afterEach(async () => {
  for (const controller of open.splice(0)) await controller.stop();
  for (const receiver of receivers.splice(0)) await receiver.close();
});

async function receiver(port = 0): Promise<HttpReceiver> {
  const started = await startHttpReceiver(port);
  receivers.push(started);
  return started;
}

function loadStack(alerts: string, services = 'web: { command: sleep 60 }'): { stack: ResolvedStack; dir: string } {
  const loaded = loadText(`name: shop\nservices:\n  ${services}\nalerts:\n${alerts}`);
  assert.ok(loaded.ok, JSON.stringify(loaded.ok ? [] : loaded.diagnostics));
  return { stack: loaded.stack, dir: loaded.dir };
}

function startController(stack: ResolvedStack, dir: string, extra: Partial<ConstructorParameters<typeof AlertController>[0]> = {}): Harness {
  const stateDir = join(dir, '.berth');
  const recorded: NewEvent[] = [];
  const lines: string[] = [];
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => lines.push(chunk.toString('utf8')));
  let controller: AlertController | null = null;
  controller = new AlertController({
    stack, stateDir, logger: createStreamLogger(stream, 'debug'), env: { PATH: process.env.PATH ?? '' },
    record: (event) => {
      recorded.push(event);
      controller?.observe(event);
    },
    retry: { firstMs: 100, maxMs: 400, giveUpAfterMs: 60_000 },
    diskEveryMs: 60_000,
    backupEveryMs: 60_000,
    ...extra,
  });
  open.push(controller);
  controller.start();
  return { controller, stack, stateDir, recorded, log: () => lines.join('') };
}

const event = (type: string, service: string | null, payload: Record<string, unknown> = {}, instance: number | null = 1): NewEvent => ({ time: Date.now(), type, service, instance, payload });

function bodies(r: HttpReceiver, path: string): Record<string, unknown>[] {
  return r.requests.filter((q) => q.path === path).map((q) => JSON.parse(q.body) as Record<string, unknown>);
}

/** The incident kept in state.db under `key` (read beside the controller, as `berth alerts` does without a daemon). */
function incident(stateDir: string, key: string): Incident | null {
  const db = openStateDb(stateDbPath(stateDir), { create: false });
  try {
    return new IncidentBook(db).get(key);
  } finally {
    db.close();
  }
}

const states = (h: Harness, key: string): string[] => h.controller.overview(100).recent.filter((r) => r.key === key).map((r) => r.message.state).reverse();

describe('alert controller', () => {
  it('sends to the first channel that takes a message; the next is only a fallback; `all: true` gets it as well', async () => {
    const dead = await allocatePort();
    const http = await receiver();
    const { stack, dir } = loadStack(`  - webhook: { url: "http://127.0.0.1:${String(dead)}/down" }
  - slack: { url: "${http.url}/slack" }
  - webhook: { url: "${http.url}/never" }
  - webhook: { url: "${http.url}/always" }
    all: true
`);
    const h = startController(stack, dir);
    h.controller.observe(event('crash_loop', 'web', { restarts: 5, reason: 'exited with code 1' }));
    await until('the slack and all: true deliveries', () => bodies(http, '/slack').length === 1 && bodies(http, '/always').length === 1);
    assert.equal(bodies(http, '/never').length, 0, 'a later fallback is not used once one channel took it');
    const slack = bodies(http, '/slack')[0]?.text;
    assert.match(String(slack), /^\*\[shop@\S+\] ALERT: web is crash-looping\*/);
    const row = await until('the row to be sent', () => h.controller.overview().recent.find((r) => r.state === 'sent'));
    assert.deepEqual(row.delivered, ['2:slack', '4:webhook']);
    assert.equal(row.attempts, 1);
    assert.match(h.log(), /"msg":"alert channel failed","channel":"1:webhook"/);
  });

  it('a crash loop is one alert and one resolved message, whatever repeats in between', async () => {
    const http = await receiver();
    const { stack, dir } = loadStack(`  - webhook: { url: "${http.url}/hook" }\n`);
    const h = startController(stack, dir);
    h.controller.observe(event('crash_loop', 'web', { restarts: 5, reason: 'exited with code 1' }));
    h.controller.observe(event('crash_loop', 'web', { restarts: 9, reason: 'exited with code 1' }, 2));
    h.controller.observe(event('crash_loop_resolved', 'web'));
    h.controller.observe(event('crash_loop_resolved', 'web', {}, 2));
    await until('two messages', () => bodies(http, '/hook').length >= 2);
    await new Promise((r) => setTimeout(r, 300));
    const got = bodies(http, '/hook');
    assert.deepEqual(got.map((b) => [b.state, b.key]), [['open', 'crash_loop:web'], ['resolved', 'crash_loop:web']]);
    assert.match(String(got[1]?.text), /It began with: web keeps crashing: restarted 5 times/);
    assert.match(String(got[1]?.text), /lasted \d+s/);
    assert.deepEqual(h.controller.overview().incidents, []);
  });

  it('two replicas crash-looping are one incident: one alert, and "resolved" only once the second stops looping too', async () => {
    const http = await receiver();
    const { stack, dir } = loadStack(`  - webhook: { url: "${http.url}/hook" }\n`, 'web: { command: sleep 60, replicas: 2 }');
    const h = startController(stack, dir);
    h.controller.observe(event('crash_loop', 'web', { restarts: 5, reason: 'exited with code 1' }, 1));
    await until('the alert', () => bodies(http, '/hook').length === 1);
    h.controller.observe(event('crash_loop', 'web', { restarts: 5, reason: 'exited with code 1' }, 2));
    await until('instance 2 in the incident', () => incident(h.stateDir, 'crash_loop:web')?.instances.length === 2);
    h.controller.observe(event('crash_loop_resolved', 'web', {}, 1));
    // Judged in the same transaction that queues a message: once instance 1 has left, nothing else was queued.
    await until('instance 1 to leave the incident', () => incident(h.stateDir, 'crash_loop:web')?.instances.join() === '2');
    assert.deepEqual(states(h, 'crash_loop:web'), ['open']);
    assert.deepEqual(h.controller.overview().incidents.map((i) => i.key), ['crash_loop:web']);
    h.controller.observe(event('crash_loop_resolved', 'web', {}, 2));
    await until('resolved', () => bodies(http, '/hook').length === 2);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(bodies(http, '/hook').map((b) => [b.state, b.key]), [['open', 'crash_loop:web'], ['resolved', 'crash_loop:web']]);
    assert.equal(incident(h.stateDir, 'crash_loop:web'), null);
  });

  it('the replicas in a crash-loop incident survive a daemon restart: a replica the new daemon sees loop and recover leaves it; the others once the service is up for down_after', async () => {
    const http = await receiver();
    const { stack, dir } = loadStack(`  channels:\n    - webhook: { url: "${http.url}/hook" }\n  down_after: 300ms\n`, 'web: { command: sleep 60, replicas: 3 }');
    const first = startController(stack, dir);
    for (const instance of [1, 2, 3]) first.controller.observe(event('crash_loop', 'web', { restarts: 5, reason: 'exited with code 1' }, instance));
    await until('the alert', () => bodies(http, '/hook').length === 1);
    await until('three instances in the incident', () => incident(first.stateDir, 'crash_loop:web')?.instances.length === 3);
    await first.controller.stop();

    // The new daemon: instance 3 runs, instances 1 and 2 loop again; 1 recovers first.
    const second = startController(stack, dir);
    second.controller.observe(event('state', 'web', { phase: 'running', ready: null }, 3));
    second.controller.observe(event('crash_loop', 'web', { restarts: 5, reason: 'exited with code 1' }, 1));
    second.controller.observe(event('crash_loop', 'web', { restarts: 5, reason: 'exited with code 1' }, 2));
    await until('the loops seen again', () => incident(second.stateDir, 'crash_loop:web')?.count === 5);
    second.controller.observe(event('crash_loop_resolved', 'web', {}, 1));
    await until('instance 1 to leave the incident', () => incident(second.stateDir, 'crash_loop:web')?.instances.join() === '2,3');
    // Up for down_after by the new daemon's view (instance 2's loop is its own incident member): instance 3 is
    // settled, instance 2 is not, as it has not stopped looping.
    await until('instance 3 settled', () => incident(second.stateDir, 'crash_loop:web')?.instances.join() === '2');
    assert.deepEqual(states(second, 'crash_loop:web'), ['open']);
    const recovered = Date.now();
    second.controller.observe(event('crash_loop_resolved', 'web', {}, 2));
    await until('resolved', () => bodies(http, '/hook').length === 2);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(bodies(http, '/hook').map((b) => [b.state, b.key]), [['open', 'crash_loop:web'], ['resolved', 'crash_loop:web']]);
    assert.ok(Date.parse(String(bodies(http, '/hook')[1]?.time)) >= recovered - 5, 'resolved only after the last replica recovered');
    assert.equal(incident(second.stateDir, 'crash_loop:web'), null);
  });

  it('an instance left in a crash-loop incident by the previous daemon is resolved once the service has been up for down_after, not before', async () => {
    const http = await receiver();
    const { stack, dir } = loadStack(`  channels:\n    - webhook: { url: "${http.url}/hook" }\n  down_after: 300ms\n`, 'web: { command: sleep 60, replicas: 2 }');
    const first = startController(stack, dir);
    for (const instance of [1, 2]) first.controller.observe(event('crash_loop', 'web', { restarts: 5, reason: 'exited with code 1' }, instance));
    await until('two instances in the incident', () => incident(first.stateDir, 'crash_loop:web')?.instances.length === 2);
    await until('the alert', () => bodies(http, '/hook').length === 1);
    await first.controller.stop();

    // The new daemon: instance 2 runs, instance 1 loops again (its state events are not recorded while it loops).
    const second = startController(stack, dir);
    second.controller.observe(event('state', 'web', { phase: 'running', ready: null }, 2));
    second.controller.observe(event('crash_loop', 'web', { restarts: 5, reason: 'exited with code 1' }, 1));
    await until('the loop seen again', () => incident(second.stateDir, 'crash_loop:web')?.count === 3);
    await new Promise((r) => setTimeout(r, 700));
    assert.deepEqual(incident(second.stateDir, 'crash_loop:web')?.instances, [1, 2], 'nothing settled while instance 1 loops');
    const recovered = Date.now();
    second.controller.observe(event('crash_loop_resolved', 'web', {}, 1));
    await until('instance 1 to leave the incident', () => incident(second.stateDir, 'crash_loop:web')?.instances.join() === '2');
    assert.deepEqual(states(second, 'crash_loop:web'), ['open']);
    await until('resolved', () => bodies(http, '/hook').length === 2);
    await new Promise((r) => setTimeout(r, 300));
    const got = bodies(http, '/hook');
    assert.deepEqual(got.map((b) => [b.state, b.key]), [['open', 'crash_loop:web'], ['resolved', 'crash_loop:web']]);
    assert.ok(Date.parse(String(got[1]?.time)) - recovered >= 300, 'instance 2 is settled only after the service has been up for down_after');
  });

  it('holds a watchdog notice repeated within its cooldown, and counts it', async () => {
    const http = await receiver();
    const { stack, dir } = loadStack(`  - webhook: { url: "${http.url}/hook" }\n`);
    const h = startController(stack, dir);
    for (let i = 0; i < 3; i += 1) h.controller.observe(event('watchdog_restart', 'web', { output: 'HTTP 503' }));
    await until('one notice', () => bodies(http, '/hook').length === 1);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(bodies(http, '/hook').length, 1);
    assert.equal(bodies(http, '/hook')[0]?.state, 'notice');
  });

  it('rate limit: more messages at once than a channel takes a minute become a few and one summary', async () => {
    const http = await receiver();
    const { stack, dir } = loadStack(`  channels:\n    - webhook: { url: "${http.url}/hook" }\n  rate_limit: 3\n`);
    const h = startController(stack, dir);
    for (let i = 0; i < 10; i += 1) h.controller.observe(event('crash_loop', `svc${String(i)}`, { restarts: 5, reason: 'boom' }));
    await until('three messages', () => bodies(http, '/hook').length === 3);
    await new Promise((r) => setTimeout(r, 300));
    const got = bodies(http, '/hook');
    assert.equal(got.length, 3);
    assert.deepEqual(got.slice(0, 2).map((b) => b.key), ['crash_loop:svc0', 'crash_loop:svc1']);
    assert.equal(got[2]?.state, 'summary');
    assert.match(String(got[2].title), /^8 more alerts \(rate limit\)$/);
    assert.match(String(got[2].what), /- svc9 is crash-looping/);
    // The window is full: the next message waits (deferred, no attempt counted) rather than being lost.
    h.controller.observe(event('crash_loop', 'late', { restarts: 5, reason: 'boom' }));
    const waiting = await until('the late message to be deferred', () => h.controller.overview().recent.find((r) => r.key === 'crash_loop:late' && r.state === 'pending' && r.nextAt > Date.now() + 1000));
    assert.equal(waiting.attempts, 0);
  });

  it('rate limit: a daemon restart within the window does not give a channel a fresh allowance', async () => {
    const http = await receiver();
    const { stack, dir } = loadStack(`  channels:\n    - webhook: { url: "${http.url}/hook" }\n  rate_limit: 3\n`);
    const first = startController(stack, dir);
    for (let i = 0; i < 2; i += 1) first.controller.observe(event('crash_loop', `a${String(i)}`, { restarts: 5, reason: 'boom' }));
    await until('two messages', () => bodies(http, '/hook').length === 2);
    await until('both recorded as sent', () => first.controller.overview().recent.filter((r) => r.state === 'sent').length === 2);
    const firstSent = Math.min(...first.controller.overview().recent.map((r) => r.deliveredAt['1:webhook'] ?? Infinity));
    assert.ok(Number.isFinite(firstSent), 'when the channel took it is kept with the row');
    await first.controller.stop();

    // One more fits in this minute: the three new ones go out as one summary, and nothing after it.
    const second = startController(stack, dir);
    for (let i = 0; i < 3; i += 1) second.controller.observe(event('crash_loop', `b${String(i)}`, { restarts: 5, reason: 'boom' }));
    await until('a third message', () => bodies(http, '/hook').length === 3);
    second.controller.observe(event('crash_loop', 'late', { restarts: 5, reason: 'boom' }));
    const waiting = await until('the late message to be deferred', () => second.controller.overview().recent.find((r) => r.key === 'crash_loop:late' && r.state === 'pending' && r.nextAt > Date.now() + 1000));
    assert.equal(waiting.attempts, 0);
    assert.ok(waiting.nextAt >= firstSent + 60_000, 'it waits for the first message of the window to leave it, though another daemon sent that');
    await new Promise((r) => setTimeout(r, 300));
    const got = bodies(http, '/hook');
    assert.equal(got.length, 3, 'no more than rate_limit in the minute');
    assert.equal(got[2]?.state, 'summary');
    assert.match(String(got[2].title), /^3 more alerts \(rate limit\)$/);
  });

  it('retries with backoff while no channel takes a message, and delivers it after a restart once one does', async () => {
    const port = await allocatePort();
    const { stack, dir } = loadStack(`  - telegram: { token: "${TOKEN}", chat: 42, api: "http://127.0.0.1:${String(port)}" }\n`);
    const first = startController(stack, dir);
    first.controller.observe(event('backup_failed', 'web', { trigger: 'schedule', reason: 'pg_dump: connection refused' }));
    const retried = await until('two failed attempts', () => first.controller.overview().recent.find((r) => r.attempts >= 2));
    assert.equal(retried.state, 'pending');
    assert.match(retried.lastError ?? '', /^1:telegram: could not reach 127\.0\.0\.1:\d+/);
    await first.controller.stop();
    assert.ok(!first.log().includes('tg-SECRET'), 'the token is never logged');

    const http = await receiver(port);
    const second = startController(stack, dir);
    await until('the message queued before the restart', () => http.requests.length === 1);
    assert.equal(http.requests[0]?.path, `/bot${TOKEN}/sendMessage`);
    const body = JSON.parse(http.requests[0].body) as { chat_id: number; text: string };
    assert.equal(body.chat_id, 42);
    assert.match(body.text, /ALERT: a backup of web failed/);
    assert.match(body.text, /Look: {4}berth backups web/);
    assert.match(second.log(), /alerts queued before this daemon started are sent now/);
  });

  it('a service down longer than down_after alerts once, and resolves when it runs again', async () => {
    const http = await receiver();
    const { stack, dir } = loadStack(`  channels:\n    - webhook: { url: "${http.url}/hook" }\n  down_after: 300ms\n`);
    const h = startController(stack, dir);
    const started = Date.now();
    h.controller.observe(event('state', 'web', { phase: 'backoff', reason: 'exited with code 1; restarting in 30000 ms', ready: null }));
    h.controller.observe(event('state', 'web', { phase: 'starting', ready: null }));
    h.controller.observe(event('state', 'web', { phase: 'backoff', reason: 'exited with code 1; restarting in 30000 ms', ready: null }));
    await until('service_down', () => bodies(http, '/hook').length === 1);
    assert.ok(Date.now() - started >= 300, 'not before down_after');
    assert.equal(bodies(http, '/hook')[0]?.key, 'service_down:web');
    assert.match(String(bodies(http, '/hook')[0]?.what), /web has been down for more than 300ms \(backoff: exited with code 1/);
    assert.ok(h.recorded.some((e) => e.type === 'service_down' && e.service === 'web'), 'recorded as an event too');
    h.controller.observe(event('state', 'web', { phase: 'running', ready: true }));
    await until('resolved', () => bodies(http, '/hook').length === 2);
    assert.equal(bodies(http, '/hook')[1]?.state, 'resolved');
  });

  it('two replicas down: one service_down, and "resolved" only once the second runs again', async () => {
    const http = await receiver();
    const { stack, dir } = loadStack(`  channels:\n    - webhook: { url: "${http.url}/hook" }\n  down_after: 300ms\n`, 'web: { command: sleep 60, replicas: 2 }');
    const h = startController(stack, dir);
    h.controller.observe(event('state', 'web', { phase: 'backoff', reason: 'exited with code 1', ready: null }, 1));
    h.controller.observe(event('state', 'web', { phase: 'exited', reason: 'exited with code 1', ready: null }, 2));
    await until('service_down', () => bodies(http, '/hook').length === 1);
    await new Promise((r) => setTimeout(r, 500));
    h.controller.observe(event('state', 'web', { phase: 'running', ready: null }, 1));
    await new Promise((r) => setTimeout(r, 600));
    assert.deepEqual(h.recorded.map((e) => e.type), ['service_down'], 'instance 2 is still down');
    assert.deepEqual(states(h, 'service_down:web'), ['open']);
    h.controller.observe(event('state', 'web', { phase: 'running', ready: null }, 2));
    await until('resolved', () => bodies(http, '/hook').length === 2);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(bodies(http, '/hook').map((b) => [b.state, b.key]), [['open', 'service_down:web'], ['resolved', 'service_down:web']]);
  });

  it('a service_down left open by the previous daemon is resolved only once every replica has been up for down_after', async () => {
    const http = await receiver();
    const { stack, dir } = loadStack(`  channels:\n    - webhook: { url: "${http.url}/hook" }\n  down_after: 300ms\n`, 'web: { command: sleep 60, replicas: 2 }');
    const first = startController(stack, dir);
    first.controller.observe(event('state', 'web', { phase: 'backoff', reason: 'exited with code 1', ready: null }, 2));
    await until('service_down', () => bodies(http, '/hook').length === 1);
    await first.controller.stop();

    const second = startController(stack, dir);
    second.controller.observe(event('state', 'web', { phase: 'running', ready: null }, 1));
    second.controller.observe(event('state', 'web', { phase: 'backoff', reason: 'exited with code 1', ready: null }, 2));
    await new Promise((r) => setTimeout(r, 900));
    assert.deepEqual(second.recorded, [], 'instance 2 is still down under the new daemon: no second alert, no resolve');
    const up = Date.now();
    second.controller.observe(event('state', 'web', { phase: 'running', ready: null }, 2));
    await until('resolved', () => bodies(http, '/hook').length === 2);
    assert.equal(bodies(http, '/hook')[1]?.state, 'resolved');
    assert.ok(Date.parse(String(bodies(http, '/hook')[1]?.time)) - up >= 300, 'after every replica has been up for down_after');
  });

  it('a service that comes back within down_after does not alert', async () => {
    const http = await receiver();
    const { stack, dir } = loadStack(`  channels:\n    - webhook: { url: "${http.url}/hook" }\n  down_after: 400ms\n`);
    const h = startController(stack, dir);
    h.controller.observe(event('state', 'web', { phase: 'backoff', reason: 'exited', ready: null }));
    h.controller.observe(event('state', 'web', { phase: 'running', ready: null }));
    await new Promise((r) => setTimeout(r, 800));
    assert.equal(http.requests.length, 0);
    assert.equal(h.recorded.length, 0);
  });

  it('alerts when a watched disk is over the threshold (a threshold of 1% stands in for a full disk)', async () => {
    const http = await receiver();
    const { stack, dir } = loadStack(`  channels:\n    - webhook: { url: "${http.url}/hook" }\n  disk_threshold: 1\n`, 'db: { command: sleep 60, data: ./data/db }');
    const h = startController(stack, dir);
    await until('disk_full', () => bodies(http, '/hook').length === 1);
    const body = bodies(http, '/hook')[0];
    assert.equal(body?.key, `disk_full:${h.stateDir}`);
    assert.match(String(body.what), /% full \(alert at 1%\); [\d.]+ [KMGT]?B free/);
    assert.ok(h.recorded.some((e) => e.type === 'disk_full'));
  });

  it('says when the daemon before stopped uncleanly; deploy failures open an incident a later success resolves', async () => {
    const http = await receiver();
    const { stack, dir } = loadStack(`  - webhook: { url: "${http.url}/hook" }\n`);
    const h = startController(stack, dir, { previous: { unclean: true, reasons: ['daemon.json was left behind by pid 4242, which is gone'] } });
    await until('the unclean notice', () => bodies(http, '/hook').length === 1);
    assert.equal(bodies(http, '/hook')[0]?.key, 'unclean_restart:stack');
    assert.match(String(bodies(http, '/hook')[0]?.what), /pid 4242/);
    h.controller.observe(event('deploy_failed', null, { release: 'r-20261101-1', reason: 'release command exited 1' }, null));
    h.controller.observe(event('deploy_rolled_back', null, { release: 'r-20261101-2', reason: 'verification failed' }, null));
    h.controller.observe(event('deploy_succeeded', null, { release: 'r-20261101-3', reason: null }, null));
    await until('open and resolved', () => bodies(http, '/hook').length === 3);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(bodies(http, '/hook').slice(1).map((b) => [b.state, b.key]), [['open', 'deploy_failed:stack'], ['resolved', 'deploy_failed:stack']]);
    assert.match(String(bodies(http, '/hook')[1]?.what), /The deploy of release r-20261101-1 failed: release command exited 1/);
  });

  it('sends nothing for switched-off events; `alerts test` reaches every channel and reports each', async () => {
    const http = await receiver();
    const dead = await allocatePort();
    const { stack, dir } = loadStack(`  channels:
    - webhook: { url: "${http.url}/hook" }
    - webhook: { url: "http://127.0.0.1:${String(dead)}/" }
  events: { crash_loop: false }
`);
    const h = startController(stack, dir);
    h.controller.observe(event('crash_loop', 'web', { restarts: 5, reason: 'x' }));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(http.requests.length, 0);
    const results = await h.controller.test();
    assert.deepEqual(results.map((r) => [r.channel, r.ok]), [['1:webhook', true], ['2:webhook', false]]);
    assert.equal(bodies(http, '/hook')[0]?.state, 'test');
  });
});
