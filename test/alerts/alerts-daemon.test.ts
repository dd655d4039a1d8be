// Alerts under a real daemon (`berth up -d`) with real receivers on loopback: a crash loop is one alert and one
// resolved message through the fallback when the first channel is down; an alert queued before the daemon was
// killed is delivered by the next one; secrets reach neither the daemon's log, state.db, nor `berth alerts`; two
// replicas that loop and recover at different times are one alert and one resolved message, after the second.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import type { QueuedAlert } from '../../src/alerts/alert-queue.js';
import { main } from '../../src/cli/main.js';
import { getStatePaths } from '../../src/daemon/state-paths.js';
import { readProcStat } from '../../src/exec/proc-stat.js';
import { allocatePort } from '../../src/supervisor/allocate-port.js';
import { captureIo } from '../helpers/capture-io.js';
import { writeFiles } from '../helpers/temp-stack.js';
import { startHttpReceiver, until, type HttpReceiver } from './receivers.js';

const env = { PATH: process.env.PATH ?? '' };
const TOKEN = '111:tg-SECRET-daemon-token';
const HOOK_SECRET = 'hook-SECRET-daemon-key';

async function alerts(dir: string): Promise<{ recent: QueuedAlert[]; pending: number; incidents: { key: string; events: number }[] }> {
  const io = captureIo(dir, env);
  assert.equal(await main(['alerts', '--json', '-n', '100'], io), 0, io.err());
  return JSON.parse(io.out()) as { recent: QueuedAlert[]; pending: number; incidents: { key: string; events: number }[] };
}

async function loopEvents(dir: string): Promise<{ type: string; instance: number | null }[]> {
  const io = captureIo(dir, env);
  assert.equal(await main(['events', '--json', '-n', '1000', '--type', 'crash_loop,crash_loop_resolved'], io), 0, io.err());
  return io.out().split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as { type: string; instance: number | null });
}

function texts(receiver: HttpReceiver): string[] {
  return receiver.requests.map((r) => (JSON.parse(r.body) as { text: string }).text);
}

describe('alerts under the daemon', { timeout: 180_000 }, () => {
  const stacks: string[] = [];
  const receivers: HttpReceiver[] = [];
  afterEach(async () => {
    for (const dir of stacks.splice(0)) await main(['down'], captureIo(dir, env));
    for (const receiver of receivers.splice(0)) await receiver.close();
  });

  it('a crash loop is one alert and one resolved message, through the fallback while the first channel is down; `berth alerts test` reports each channel; no secret in logs or events', async () => {
    const telegram = await startHttpReceiver();
    receivers.push(telegram);
    const dead = await allocatePort();
    const dir = writeFiles({
      'berth.yml': `name: shop
services:
  flaky:
    command: sh -c 'n=$(cat runs 2>/dev/null || echo 0); n=$((n+1)); echo $n > runs; if [ "$n" -gt 7 ]; then exec sleep 60; fi; echo "failing run $n"; exit 1'
    backoff: { initial: 20ms, max: 50ms, reset_after: 2s }
alerts:
  channels:
    - webhook: { url: "http://127.0.0.1:${String(dead)}/hook", secret: "${HOOK_SECRET}" }
    - telegram: { token: "${TOKEN}", chat: -100123, api: "${telegram.url}" }
  disk_threshold: 100
`,
    });
    stacks.push(dir);
    const paths = getStatePaths(join(dir, 'berth.yml'));
    const up = captureIo(dir, env);
    assert.equal(await main(['up', '-d', '--timeout', '30s'], up), 0, up.err());
    await until('the alert and the resolved message', () => texts(telegram).length >= 2, 60_000);
    // Anything more would have been queued by now: the resolved message is the last event of the loop.
    await new Promise((r) => setTimeout(r, 500));
    const got = texts(telegram);
    assert.equal(got.length, 2, got.join('\n---\n'));
    assert.match(got[0] ?? '', /^\[shop@\S+\] ALERT: flaky is crash-looping\n/);
    assert.match(got[0] ?? '', /\nStack: {3}shop\nHost: {4}\S+\nService: flaky\nSince: {3}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(\d+s ago\)\nLook: {4}berth logs flaky -n 50$/);
    assert.match(got[1] ?? '', /^\[shop@\S+\] RESOLVED: flaky is running steadily again\n/);
    assert.ok(telegram.requests.every((r) => r.path === `/bot${TOKEN}/sendMessage`));
    assert.ok(telegram.requests.every((r) => (JSON.parse(r.body) as { chat_id: number }).chat_id === -100123));

    const overview = await alerts(dir);
    const sent = overview.recent.filter((r) => r.key === 'crash_loop:flaky');
    assert.deepEqual(sent.map((r) => [r.message.state, r.state, r.delivered]), [['resolved', 'sent', ['2:telegram']], ['open', 'sent', ['2:telegram']]]);
    assert.deepEqual(overview.incidents, []);
    const listing = captureIo(dir, env);
    assert.equal(await main(['alerts'], listing), 0, listing.err());
    assert.match(listing.out(), /^channels: 1:webhook, 2:telegram\n\nopen incidents: none\n\nqueue: 0 pending/);
    assert.match(listing.out(), /open {6}flaky is crash-looping {2}\[sent -> 2:telegram\]/);

    const test = captureIo(dir, env);
    assert.equal(await main(['alerts', 'test'], test), 1, 'a channel failed');
    assert.match(test.out(), /^1:webhook +FAILED +\d+ ms {2}could not reach 127\.0\.0\.1:\d+: .*ECONNREFUSED/m);
    assert.match(test.out(), /^2:telegram {2}ok +\d+ ms$/m);
    assert.match(test.err(), /BERTH_E_ALERT_TEST_FAILED: 1 of 2 alert channel\(s\) did not take the test message/);
    assert.match(texts(telegram).at(-1) ?? '', /TEST: a test message from Berth/);

    const events = captureIo(dir, env);
    assert.equal(await main(['events', '--json', '-n', '1000'], events), 0);
    await main(['down'], captureIo(dir, env));
    const files = [join(paths.stateDir, 'daemon.log'), ...readdirSync(paths.stateDir).filter((n) => n.startsWith('state.db')).map((n) => join(paths.stateDir, n))];
    for (const text of [...files.map((f) => readFileSync(f, 'latin1')), events.out(), listing.out(), test.out(), test.err(), JSON.stringify(overview)]) {
      for (const secret of ['tg-SECRET', HOOK_SECRET]) assert.ok(!text.includes(secret), `${secret} leaked`);
    }
    assert.match(readFileSync(join(paths.stateDir, 'daemon.log'), 'utf8'), /"msg":"alert channel failed","part":"alerts","channel":"1:webhook"/);
  });

  it('two replicas crash-looping and recovering at different times: one alert, and one resolved message only after the second recovers', async () => {
    const telegram = await startHttpReceiver();
    receivers.push(telegram);
    // Instance 1 runs after 8 failed runs; instance 2 fails until the test creates `release`.
    const dir = writeFiles({
      'loop.sh': 'i=$BERTH_INSTANCE; n=$(cat runs-$i 2>/dev/null || echo 0); n=$((n+1)); echo $n > runs-$i\nif [ "$n" -gt 8 ] && { [ "$i" = 1 ] || [ -e release ]; }; then exec sleep 60; fi\necho "failing run $n"; exit 1\n',
      'berth.yml': `name: shop
services:
  flaky:
    command: sh loop.sh
    replicas: 2
    backoff: { initial: 20ms, max: 100ms, reset_after: 2s }
alerts:
  channels:
    - telegram: { token: "${TOKEN}", chat: -100123, api: "${telegram.url}" }
  disk_threshold: 100
`,
    });
    stacks.push(dir);
    await main(['up', '-d', '--timeout', '5s'], captureIo(dir, env));
    await until('both replicas to loop, and the first to recover', async () => {
      const events = await loopEvents(dir);
      return events.filter((e) => e.type === 'crash_loop').length === 2 && events.some((e) => e.type === 'crash_loop_resolved' && e.instance === 1);
    }, 60_000);
    assert.deepEqual((await loopEvents(dir)).filter((e) => e.type === 'crash_loop').map((e) => e.instance).sort(), [1, 2]);
    // Whatever the first recovery queued would be sent by now.
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(texts(telegram).length, 1, texts(telegram).join('\n---\n'));
    assert.match(texts(telegram)[0] ?? '', /ALERT: flaky is crash-looping\n/);
    assert.deepEqual((await alerts(dir)).incidents.map((i) => i.key), ['crash_loop:flaky']);

    writeFileSync(join(dir, 'release'), '');
    await until('the resolved message', () => texts(telegram).length >= 2, 60_000);
    assert.ok((await loopEvents(dir)).some((e) => e.type === 'crash_loop_resolved' && e.instance === 2), 'resolved after instance 2 recovered');
    await new Promise((r) => setTimeout(r, 500));
    const got = texts(telegram);
    assert.equal(got.length, 2, got.join('\n---\n'));
    assert.match(got[1] ?? '', /RESOLVED: flaky is running steadily again\n/);
    assert.deepEqual((await alerts(dir)).incidents, []);
  });

  it('an alert queued while its only channel is down survives a killed daemon and is delivered by the next one, with a note of the unclean stop', async () => {
    const port = await allocatePort();
    const dir = writeFiles({
      'berth.yml': `name: shop
services:
  crasher:
    command: sh -c 'exit 1'
    backoff: { initial: 20ms, max: 50ms }
alerts:
  channels:
    - webhook: { url: "http://127.0.0.1:${String(port)}/hook", secret: "${HOOK_SECRET}" }
  disk_threshold: 100
`,
    });
    stacks.push(dir);
    const paths = getStatePaths(join(dir, 'berth.yml'));
    // Its exit code is not the point: the crash loop starts either way.
    await main(['up', '-d', '--timeout', '5s'], captureIo(dir, env));
    const queued = await until('a failed attempt', async () => (await alerts(dir)).recent.find((r) => r.key === 'crash_loop:crasher' && r.attempts >= 1), 60_000);
    assert.equal(queued.state, 'pending');
    const daemon = JSON.parse(readFileSync(join(paths.stateDir, 'daemon.json'), 'utf8')) as { pid: number };
    const killedAt = Date.now();
    process.kill(daemon.pid, 'SIGKILL');
    await until('the killed daemon to be gone', () => {
      const stat = readProcStat(daemon.pid);
      return stat === undefined || stat.state === 'Z';
    });

    const hook = await startHttpReceiver(port);
    receivers.push(hook);
    await main(['up', '-d', '--timeout', '5s'], captureIo(dir, env));
    await until('the queued alert and the unclean-stop notice', () => hook.requests.length >= 2, 60_000);
    // The new daemon sees the same loop again: the same incident, so no second alert.
    // The incident row survives from the first daemon; the new daemon's own crash_loop event counts into it.
    await until('the new daemon to see the loop', async () => ((await alerts(dir)).incidents.find((i) => i.key === 'crash_loop:crasher')?.events ?? 0) >= 2, 60_000);
    await new Promise((r) => setTimeout(r, 1000));
    const bodies = hook.requests.map((r) => JSON.parse(r.body) as { key: string; state: string; time: string });
    assert.deepEqual(bodies.map((b) => `${b.state} ${b.key}`).sort(), ['notice unclean_restart:stack', 'open crash_loop:crasher']);
    for (const request of hook.requests) assert.equal(request.headers['x-berth-signature'], `sha256=${createHmac('sha256', HOOK_SECRET).update(request.body).digest('hex')}`);
    const alert = bodies.find((b) => b.key === 'crash_loop:crasher');
    assert.ok(alert !== undefined && Date.parse(alert.time) < killedAt, 'the alert delivered is the one the killed daemon queued');
    const row = (await alerts(dir)).recent.find((r) => r.key === 'crash_loop:crasher');
    assert.equal(row?.state, 'sent');
    assert.ok(row.attempts >= 2, 'tried by the first daemon, delivered by the second');
  });
});
