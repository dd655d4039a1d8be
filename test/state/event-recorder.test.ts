import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import type { ResolvedStack } from '../../src/config/resolved-stack.js';
import { createLogger, type LogLevel } from '../../src/shared/logger.js';
import { createEventMapper, openEventRecorder } from '../../src/state/event-recorder.js';
import { EventStore } from '../../src/state/event-store.js';
import { openStateDb, stateDbPath } from '../../src/state/open-state-db.js';
import { inspectPreviousDaemon, waitForPreviousDaemon } from '../../src/state/previous-daemon.js';
import type { InstanceStatus, SupervisorEvent } from '../../src/supervisor/supervisor-types.js';
import { loadText } from '../helpers/temp-stack.js';

function status(patch: Partial<InstanceStatus>): InstanceStatus {
  return { service: 'api', instance: 1, phase: 'waiting', pid: null, port: null, startedAt: null, restarts: 0, ready: null, crashLoop: false, reason: null, lastExit: null, lastProbe: null, ...patch };
}

const state = (patch: Partial<InstanceStatus>, time = 1): SupervisorEvent => ({ type: 'state', time, status: status(patch) });

function loadStack(yaml = 'services:\n  api: { command: sleep 1 }\n', files: Record<string, string> = {}): { stack: ResolvedStack; dir: string } {
  const loaded = loadText(yaml, { files });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.diagnostics));
  return { stack: loaded.stack, dir: loaded.dir };
}

function memoryLogger(): { logger: ReturnType<typeof createLogger>; lines: () => { level: LogLevel; msg: string; lost?: number }[] } {
  const lines: string[] = [];
  return { logger: createLogger({ write: (l) => lines.push(l), level: 'debug' }), lines: () => lines.map((l) => JSON.parse(l) as { level: LogLevel; msg: string }) };
}

function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid;
}

describe('createEventMapper', () => {
  it('records a state event only when the phase or readiness changes, never per probe result', () => {
    const map = createEventMapper();
    const probe = { ok: true, output: 'HTTP 200', durationMs: 1, time: 1, phase: 'live' };
    const stored = [
      state({ phase: 'waiting', reason: 'waiting for db' }),
      state({ phase: 'waiting', reason: 'waiting for db to be ready' }),
      state({ phase: 'starting', pid: 10 }),
      state({ phase: 'running', pid: 10, ready: true }),
      state({ phase: 'running', pid: 10, ready: true, lastProbe: probe }),
      state({ phase: 'running', pid: 10, ready: true, restarts: 1 }),
      state({ phase: 'running', pid: 10, ready: false, reason: 'ready probe failing' }),
      state({ phase: 'running', pid: 10, ready: true }),
      state({ phase: 'running', pid: 20, ready: true, service: 'web' }),
    ].map(map).filter((e) => e !== null);
    assert.deepEqual(stored.map((e) => `${e.service ?? ''} ${String(e.payload?.from)}->${String(e.payload?.phase)} ${String(e.payload?.ready)}`), [
      'api null->waiting null',
      'api waiting->starting null',
      'api starting->running true',
      'api running->running false',
      'api running->running true',
      'web null->running true',
    ]);
    assert.deepEqual(Object.keys(stored[2]?.payload ?? {}).sort(), ['crash_loop', 'exit', 'from', 'phase', 'pid', 'port', 'ready', 'reason', 'restarts']);
  });

  it('sums a crash loop up in its crash_loop event instead of four state events a crash, but keeps a stop', () => {
    const map = createEventMapper();
    const events: SupervisorEvent[] = [
      state({ phase: 'running', pid: 1 }),
      state({ phase: 'backoff', crashLoop: true, reason: 'exited with code 1' }),
      { type: 'crash_loop', time: 2, service: 'api', instance: 1, restarts: 5, reason: 'exited with code 1' },
      state({ phase: 'starting', pid: 2, crashLoop: true }),
      state({ phase: 'running', pid: 2, crashLoop: true }),
      state({ phase: 'stopping', pid: 2, crashLoop: true }),
      state({ phase: 'backoff', crashLoop: true }),
      state({ phase: 'starting', pid: 3, crashLoop: true }),
      state({ phase: 'running', pid: 3, crashLoop: true }),
      state({ phase: 'running', pid: 3, crashLoop: false }),
      { type: 'crash_loop_resolved', time: 3, service: 'api', instance: 1 },
      state({ phase: 'stopping', pid: 3 }),
      state({ phase: 'stopped' }),
      { type: 'watchdog_restart', time: 4, service: 'api', instance: 1, output: 'HTTP 503' },
      { type: 'start_failed', time: 5, service: 'api', instance: 1, output: 'timed out' },
    ];
    const stored = events.map(map).filter((e) => e !== null);
    assert.deepEqual(stored.map((e) => (e.type === 'state' ? `state:${String(e.payload?.phase)}` : e.type)), [
      'state:running', 'crash_loop', 'crash_loop_resolved', 'state:stopping', 'state:stopped', 'watchdog_restart', 'start_failed',
    ]);
    assert.deepEqual(stored[1]?.payload, { restarts: 5, reason: 'exited with code 1' });
    assert.deepEqual(stored[5]?.payload, { output: 'HTTP 503' });
  });
});

describe('openEventRecorder', () => {
  it('records daemon_started and daemon_stopped, prunes on open, and blanks the stack\'s secrets in payloads', async () => {
    const { stack, dir } = loadStack('env_file: .env\nservices:\n  api: { command: sleep 1, env: { API_KEY: key-1234567 } }\n', { '.env': 'PLAIN=from-the-env-file\n' });
    const stateDir = join(dir, '.berth');
    const before = openStateDb(stateDbPath(stateDir));
    const old = new EventStore(before);
    for (let i = 0; i < 5; i += 1) old.append({ time: 1, type: 'ancient' });
    old.append({ time: Date.now(), type: 'daemon_stopped' });
    before.close();
    const { logger, lines } = memoryLogger();
    const recorder = await openEventRecorder({ stack, stateDir, runDir: join(stateDir, 'run'), logger, services: ['api'], retention: { maxEvents: 100, maxAgeMs: 60_000 } });
    assert.equal(recorder.previous.unclean, false);
    recorder.record({ type: 'start_failed', time: 2, service: 'api', instance: 1, output: 'saw from-the-env-file and key-1234567 and from-the-env-file' });
    recorder.record(state({ phase: 'failed', reason: 'exited: postgres://u:hunter22@db failed' }));
    recorder.close();
    recorder.close();
    const db = openStateDb(stateDbPath(stateDir));
    const events = new EventStore(db).list();
    db.close();
    assert.deepEqual(events.map((e) => e.type), ['daemon_stopped', 'daemon_started', 'start_failed', 'state', 'daemon_stopped'], 'the five ancient events were pruned');
    assert.equal(events[1]?.payload.previous_unclean, false);
    assert.deepEqual(events.at(1)?.payload.services, ['api']);
    assert.equal(events[2]?.payload.output, 'saw <redacted> and <redacted> and <redacted>');
    assert.equal(events[3]?.payload.reason, 'exited: postgres://u:<redacted>@db failed', 'a URL password is blanked even when the stack does not know it');
    assert.equal(events[4]?.payload.pid, process.pid);
    assert.ok(lines().some((l) => l.msg === 'pruned old events'));
    assert.ok(lines().every((l) => l.level !== 'error'));
  });

  it('keeps the supervisor running when the database fails: logs once, counts what was lost, and says when it recovers', async () => {
    const { stack, dir } = loadStack();
    const stateDir = join(dir, '.berth');
    const { logger, lines } = memoryLogger();
    const recorder = await openEventRecorder({ stack, stateDir, runDir: join(stateDir, 'run'), logger });
    const saboteur = new Database(stateDbPath(stateDir));
    saboteur.exec('ALTER TABLE events RENAME TO events_gone');
    for (let i = 0; i < 3; i += 1) {
      assert.doesNotThrow(() => {
        recorder.record({ type: 'crash_loop', time: 1, service: 'api', instance: 1, restarts: 5, reason: 'x' });
      });
    }
    const errors = lines().filter((l) => l.level === 'error');
    assert.equal(errors.length, 1, 'one error line, not one per event');
    assert.equal(errors[0]?.msg, 'could not record an event');
    saboteur.exec('ALTER TABLE events_gone RENAME TO events');
    saboteur.close();
    recorder.record({ type: 'crash_loop_resolved', time: 2, service: 'api', instance: 1 });
    assert.deepEqual(lines().find((l) => l.msg === 'recording events again')?.lost, 3);
    recorder.close();
  });

  it('works without a database when it cannot be opened: nothing throws, the reason is logged', async () => {
    const { stack, dir } = loadStack();
    const stateDir = join(dir, '.berth');
    mkdirSync(stateDbPath(stateDir), { recursive: true });
    const { logger, lines } = memoryLogger();
    const recorder = await openEventRecorder({ stack, stateDir, runDir: join(stateDir, 'run'), logger });
    assert.equal(recorder.store, null);
    recorder.record(state({ phase: 'running' }));
    recorder.close();
    assert.equal(lines().filter((l) => l.level === 'error')[0]?.msg, 'could not open the state database; events will not be recorded');
  });
});

describe('inspectPreviousDaemon', () => {
  it('finds a clean stop clean, and names every sign of an unclean one', () => {
    const { dir } = loadStack();
    const stateDir = join(dir, '.berth');
    const runDir = join(stateDir, 'run');
    mkdirSync(runDir, { recursive: true });
    assert.deepEqual(inspectPreviousDaemon(stateDir, runDir, null), { unclean: false, reasons: [], pid: null, started: null, leftovers: [] });
    const pid = deadPid();
    writeFileSync(join(stateDir, 'daemon.json'), JSON.stringify({ pid, started: 5 }));
    writeFileSync(join(runDir, 'api.1.json'), JSON.stringify({ service: 'api', instance: 1, pid, pgid: pid, startTime: 1 }));
    const db = openStateDb(stateDbPath(stateDir));
    const store = new EventStore(db);
    store.append({ time: 7, type: 'daemon_started' });
    store.append({ time: 8, type: 'state', service: 'api', instance: 1 });
    const found = inspectPreviousDaemon(stateDir, runDir, store);
    db.close();
    assert.equal(found.unclean, true);
    assert.equal(found.pid, pid);
    assert.equal(found.started, 5);
    assert.deepEqual(found.leftovers, [{ service: 'api', instance: 1, running: false }]);
    assert.deepEqual(found.reasons, [
      `daemon.json was left behind by pid ${String(pid)}, which is gone`,
      '1 process record(s) were left behind (0 still running)',
      `the daemon started at ${new Date(7).toISOString()} recorded no stop`,
    ]);
    assert.equal(readFileSync(join(stateDir, 'daemon.json'), 'utf8').length > 0, true, 'it only reads');
  });

  it('waits for a daemon that is still shutting down, so `berth down && berth up` is not an unclean stop', async () => {
    const { dir } = loadStack();
    const stateDir = join(dir, '.berth');
    mkdirSync(stateDir, { recursive: true });
    const closing = spawn('sleep', ['0.3']);
    writeFileSync(join(stateDir, 'daemon.json'), JSON.stringify({ pid: closing.pid }));
    const began = Date.now();
    assert.equal(await waitForPreviousDaemon(stateDir, 5000), true);
    assert.ok(Date.now() - began >= 200, 'it waited for the process to exit');
    const hung = spawn('sleep', ['30']);
    writeFileSync(join(stateDir, 'daemon.json'), JSON.stringify({ pid: hung.pid }));
    assert.equal(await waitForPreviousDaemon(stateDir, 100), false, 'but not forever');
    assert.match(inspectPreviousDaemon(stateDir, join(stateDir, 'run'), null).reasons[0] ?? '', /still runs but does not answer/);
    hung.kill();
  });
});
