import assert from 'node:assert/strict';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { describe, it } from 'node:test';
import type { ResolvedProbe } from '../../src/config/resolved-stack.js';
import { createEventLatch, type PreparedCheck } from '../../src/health/prepared-check.js';
import { makeResult } from '../../src/health/probe-output.js';
import { computeStartPause, FAST_START_MS } from '../../src/health/probe-schedule.js';
import type { ProbePhase, ProbeResult } from '../../src/health/probe-types.js';
import { startProbe } from '../../src/health/run-probe.js';
import { FakeClock, findFreePort, makeProbe, makeTarget, settle } from './probe-helpers.js';

interface Answer {
  readonly ok: boolean;
  readonly output?: string;
  /** How long the check takes on the fake clock (0: answers at once). */
  readonly takesMs?: number;
  readonly ignoresAbort?: boolean;
  readonly throws?: boolean;
}

/** A check whose answers are scripted per call, recording when each call started and how many ran at once. */
function scriptCheck(clock: FakeClock, answer: (call: number) => Answer) {
  const calls: number[] = [];
  const state = { running: 0, maxRunning: 0, closed: false };
  const latch = createEventLatch();
  const prepared: PreparedCheck = {
    run: (signal) => {
      calls.push(clock.now());
      const a = answer(calls.length);
      if (a.throws === true) throw new Error('boom');
      const started = clock.now();
      state.running++;
      state.maxRunning = Math.max(state.maxRunning, state.running);
      const finish = (): ProbeResult => {
        state.running--;
        return makeResult(a.ok, a.output ?? (a.ok ? 'pass' : 'fail'), started, clock.now());
      };
      if ((a.takesMs ?? 0) === 0) return Promise.resolve(finish());
      return new Promise((resolve) => {
        const handle = clock.setTimeout(() => {
          resolve(finish());
        }, a.takesMs ?? 0);
        if (a.ignoresAbort !== true) {
          signal.addEventListener('abort', () => {
            clock.clearTimeout(handle);
            resolve(finish());
          });
        }
      });
    },
    onEvent: latch.onEvent,
    close: () => {
      state.closed = true;
    },
  };
  return { calls, state, latch, prepare: () => prepared };
}

function start(clock: FakeClock, phase: ProbePhase, script: ReturnType<typeof scriptCheck>, timing: { interval?: string; timeout?: string; failures?: number; start_timeout?: string } = {}) {
  const events: { kind: 'result' | 'failing' | 'recovered'; result: ProbeResult }[] = [];
  const runner = startProbe(
    {
      phase,
      probe: makeProbe({ kind: 'http', interval: timing.interval ?? '1s', timeout: timing.timeout ?? '2s', failures: timing.failures ?? 3, start_timeout: timing.start_timeout ?? '60s' }),
      target: makeTarget(),
      onResult: (result) => events.push({ kind: 'result', result }),
      onFailing: (result) => events.push({ kind: 'failing', result }),
      onRecovered: (result) => events.push({ kind: 'recovered', result }),
    },
    { clock, prepare: script.prepare },
  );
  return { runner, events };
}

const gapsOf = (times: readonly number[]): number[] => times.slice(1).map((t, i) => t - (times[i] ?? 0));

describe('computeStartPause', () => {
  it('starts at 10 ms, grows with the time spent starting, and stops at the interval', () => {
    assert.equal(computeStartPause(0, 10_000), FAST_START_MS);
    assert.equal(computeStartPause(150, 10_000), 10);
    assert.equal(computeStartPause(1000, 10_000), 50);
    assert.equal(computeStartPause(60_000, 10_000), 3000);
    assert.equal(computeStartPause(600_000, 10_000), 10_000);
    assert.equal(computeStartPause(0, 5), 5, 'never above the interval');
  });
});

describe('startProbe schedule (fake clock)', () => {
  it('checks at once, then ~10 ms apart, backing off geometrically to the interval', async () => {
    const clock = new FakeClock();
    const script = scriptCheck(clock, () => ({ ok: false }));
    const t0 = clock.now();
    const { runner } = start(clock, 'ready', script, { interval: '1s' });
    await clock.advance(40_000);
    runner.stop();
    assert.equal(script.calls[0], t0, 'the first check runs immediately');
    const gaps = gapsOf(script.calls);
    assert.deepEqual(gaps.slice(0, 10), Array(10).fill(10) as number[]);
    for (let i = 1; i < gaps.length; i++) assert.ok((gaps[i] ?? 0) >= (gaps[i - 1] ?? 0), `pauses never shrink (${gaps.join(',')})`);
    assert.ok(gaps.every((gap) => gap <= 1000), 'capped at the interval');
    assert.equal(gaps.at(-1), 1000, 'reaches the interval');
    assert.ok(script.calls.length < 150, `the fast phase stays cheap (${String(script.calls.length)} checks in 40 s)`);
  });

  it('resolves firstPass on the first pass, then keeps checking at the interval (ready)', async () => {
    const clock = new FakeClock();
    const script = scriptCheck(clock, (call) => ({ ok: call >= 4, output: `call ${String(call)}` }));
    const t0 = clock.now();
    const { runner } = start(clock, 'ready', script, { interval: '1s' });
    await clock.advance(35);
    const first = await runner.firstPass;
    assert.equal(first.ok, true);
    assert.equal(first.output, 'call 4');
    assert.equal(first.time, t0 + 30);
    await clock.advance(3000);
    runner.stop();
    assert.deepEqual(gapsOf(script.calls).slice(3), [1000, 1000, 1000]);
  });

  it('stops a startup probe after its first pass', async () => {
    const clock = new FakeClock();
    const script = scriptCheck(clock, (call) => ({ ok: call === 2 }));
    const { runner } = start(clock, 'startup', script);
    await clock.advance(5000);
    assert.equal((await runner.firstPass).ok, true);
    assert.equal(script.calls.length, 2);
    assert.equal(script.state.closed, true);
  });

  it('fails closed at start_timeout with the last failing result, and stops', async () => {
    const clock = new FakeClock();
    const script = scriptCheck(clock, (call) => ({ ok: false, output: `HTTP 503: attempt ${String(call)}` }));
    const { runner } = start(clock, 'ready', script, { start_timeout: '500ms' });
    let settledAt = 0;
    void runner.firstPass.then(() => (settledAt = clock.now()));
    await clock.advance(499);
    assert.equal(settledAt, 0, 'not before start_timeout');
    await clock.advance(10_000);
    const result = await runner.firstPass;
    assert.equal(result.ok, false);
    assert.equal(result.output, `HTTP 503: attempt ${String(script.calls.length)}`);
    const count = script.calls.length;
    await clock.advance(60_000);
    assert.equal(script.calls.length, count, 'no checks after a failed start');
    assert.equal(script.state.closed, true);
  });

  it('counts a check slower than the timeout as a failure and never overlaps checks', async () => {
    const clock = new FakeClock();
    const script = scriptCheck(clock, () => ({ ok: true, takesMs: 5000 }));
    const { runner, events } = start(clock, 'ready', script, { timeout: '100ms', start_timeout: '1s' });
    await clock.advance(1000);
    const result = await runner.firstPass;
    assert.equal(result.ok, false);
    assert.match(result.output, /^timed out after 100ms/);
    assert.equal(script.state.maxRunning, 1);
    assert.ok(events.every((e) => !e.result.ok));
  });

  it('keeps counting failures while a check ignores its abort, without starting another', async () => {
    const clock = new FakeClock();
    const script = scriptCheck(clock, (call) => (call === 1 ? { ok: true, takesMs: 60_000, ignoresAbort: true } : { ok: true }));
    const { runner, events } = start(clock, 'live', script, { interval: '1s', timeout: '200ms', failures: 3 });
    await clock.advance(3000);
    assert.equal(script.calls.length, 1);
    assert.equal(script.state.maxRunning, 1);
    const failing = events.filter((e) => e.kind === 'failing');
    assert.equal(failing.length, 1, 'a stuck live probe still reaches its failure threshold');
    assert.match(failing[0]?.result.output ?? '', /still running/);
    runner.stop();
  });

  it('turns a throwing check into a failure and goes on', async () => {
    const clock = new FakeClock();
    const script = scriptCheck(clock, (call) => (call === 1 ? { ok: false, throws: true } : { ok: true }));
    const { runner, events } = start(clock, 'ready', script);
    await clock.advance(50);
    assert.match(events[0]?.result.output ?? '', /check failed: boom/);
    assert.equal((await runner.firstPass).ok, true);
    runner.stop();
  });

  it('live: starts one interval after ready; 3 failures report failing once with the last output, then recovery', async () => {
    const clock = new FakeClock();
    const answers: Answer[] = [{ ok: true }, { ok: false, output: 'HTTP 500: a' }, { ok: false, output: 'HTTP 500: b' }, { ok: false, output: 'ECONNREFUSED c' }, { ok: false, output: 'd' }, { ok: true, output: 'HTTP 200' }, { ok: true }];
    const script = scriptCheck(clock, (call) => answers[call - 1] ?? { ok: true });
    const t0 = clock.now();
    const { runner, events } = start(clock, 'live', script, { interval: '1s', failures: 3 });
    await clock.advance(999);
    assert.equal(script.calls.length, 0, 'no fast phase for live probes');
    await clock.advance(7000);
    runner.stop();
    assert.deepEqual(script.calls.slice(0, 3), [t0 + 1000, t0 + 2000, t0 + 3000]);
    const notices = events.filter((e) => e.kind !== 'result').map((e) => `${e.kind}: ${e.result.output}`);
    assert.deepEqual(notices, ['failing: ECONNREFUSED c', 'recovered: HTTP 200']);
    assert.equal((await runner.firstPass).ok, true);
  });

  it('counts live failures from the start, even before any live pass', async () => {
    const clock = new FakeClock();
    const script = scriptCheck(clock, () => ({ ok: false, output: 'down' }));
    const { runner, events } = start(clock, 'live', script, { interval: '1s', failures: 2 });
    await clock.advance(2000);
    runner.stop();
    assert.deepEqual(events.filter((e) => e.kind === 'failing').length, 1);
  });

  it('runs the check at once when an event-driven check reports its event', async () => {
    const clock = new FakeClock();
    let ready = false;
    const script = scriptCheck(clock, () => ({ ok: ready }));
    const { runner } = start(clock, 'ready', script, { interval: '10s' });
    await clock.advance(30_000);
    const before = script.calls.length;
    ready = true;
    script.latch.fire();
    await settle();
    await clock.advance(0);
    assert.equal(script.calls.length, before + 1);
    assert.equal((await runner.firstPass).ok, true);
    runner.stop();
  });

  it('stop() ends the loop and settles firstPass as a failure', async () => {
    const clock = new FakeClock();
    const script = scriptCheck(clock, () => ({ ok: false, output: 'ECONNREFUSED' }));
    const { runner } = start(clock, 'ready', script);
    await clock.advance(25);
    runner.stop();
    const count = script.calls.length;
    await clock.advance(10_000);
    assert.equal(script.calls.length, count);
    const result = await runner.firstPass;
    assert.equal(result.ok, false);
    assert.match(result.output, /stopped before passing; last check: ECONNREFUSED/);
    assert.equal(runner.failures(), count);
    assert.equal(script.state.closed, true);
  });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const listen = (server: Server | ReturnType<typeof createTcpServer>, port: number) =>
  new Promise<number>((resolve) => {
    server.listen(port, '127.0.0.1', () => {
      resolve(Date.now());
    });
  });

/** Starts a ready probe on a closed port, opens the port after `delayMs`, and says how long after that it passed. */
async function detectLateServer(probe: ResolvedProbe, server: Server | ReturnType<typeof createTcpServer>, delayMs: number) {
  const port = await findFreePort();
  const checks: ProbeResult[] = [];
  const runner = startProbe({ phase: 'ready', probe, target: makeTarget({ port }), onResult: (r) => checks.push(r) });
  try {
    await sleep(delayMs);
    const listeningAt = await listen(server, port);
    const result = await runner.firstPass;
    return { result, latency: result.time - listeningAt, checks };
  } finally {
    runner.stop();
    server.close();
  }
}

describe('probe loop against real servers', () => {
  it('sees an HTTP server that starts late within a few tens of ms', async () => {
    const { result, latency, checks } = await detectLateServer(makeProbe({ kind: 'http', http: { path: '/health', status: [], body: null, port: null } }), createHttpServer((_req, res) => res.end('ok')), 250);
    assert.equal(result.ok, true);
    assert.ok(latency <= 60, `passed ${String(latency)} ms after the server listened`);
    assert.match(checks[0]?.output ?? '', /ECONNREFUSED/);
  });

  it('sees a TCP port that opens late within a few tens of ms', async () => {
    const { result, latency } = await detectLateServer(makeProbe({ kind: 'tcp', tcp: { port: null } }), createTcpServer((socket) => socket.destroy()), 150);
    assert.equal(result.ok, true);
    assert.ok(latency <= 60, `passed ${String(latency)} ms after the port opened`);
  });

  it('probes ~10 ms apart at first, on real timers', async () => {
    const port = await findFreePort();
    const times: number[] = [];
    const runner = startProbe({ phase: 'ready', probe: makeProbe({ kind: 'tcp', tcp: { port: null } }), target: makeTarget({ port }), onResult: (r) => times.push(r.time) });
    await sleep(150);
    runner.stop();
    const gaps = times.slice(1).map((t, i) => t - (times[i] ?? 0)).sort((a, b) => a - b);
    const median = gaps[Math.floor(gaps.length / 2)] ?? 0;
    assert.ok(gaps.length >= 6, `${String(gaps.length + 1)} checks in 150 ms`);
    assert.ok(median >= 9 && median <= 25, `median gap ${String(median)} ms`);
  });

  it('live: a server failing 3 times in a row is reported failing once with its output, then recovered', async () => {
    let status = 200;
    const server = createHttpServer((_req, res) => res.writeHead(status).end(status === 200 ? 'ok' : 'worker pool exhausted'));
    const port = await findFreePort();
    await listen(server, port);
    const results: ProbeResult[] = [];
    const failing: ProbeResult[] = [];
    const recovered: ProbeResult[] = [];
    const probe = makeProbe({ kind: 'http', http: { path: '/', status: [], body: null, port: null }, interval: '20ms', failures: 3 });
    const runner = startProbe({ phase: 'live', probe, target: makeTarget({ port }), onResult: (r) => results.push(r), onFailing: (r) => failing.push(r), onRecovered: (r) => recovered.push(r) });
    try {
      assert.equal((await runner.firstPass).ok, true);
      status = 503;
      const failedFrom = results.length;
      while (results.length < failedFrom + 6) await sleep(10);
      assert.equal(failing.length, 1, 'reported once, not on every failure');
      assert.equal(failing[0]?.output, 'HTTP 503: worker pool exhausted');
      const firstFailure = results.findIndex((r, i) => i >= failedFrom && !r.ok);
      assert.equal(results.indexOf(failing[0]), firstFailure + 2, 'on the third consecutive failure');
      status = 200;
      while (recovered.length === 0) await sleep(10);
      assert.equal(recovered[0]?.output, 'HTTP 200');
      assert.equal(runner.failures(), 0);
    } finally {
      runner.stop();
      server.closeAllConnections();
      server.close();
    }
  });
});
