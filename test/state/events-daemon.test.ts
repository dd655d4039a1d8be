// The event log with real daemons and processes: what ends up in .berth/state.db, and what never does.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { callApi } from '../../src/client/api-client.js';
import { main } from '../../src/cli/main.js';
import { getStatePaths } from '../../src/daemon/state-paths.js';
import { readProcStat } from '../../src/exec/proc-stat.js';
import { EventStore, type StoredEvent } from '../../src/state/event-store.js';
import { openStateDb, stateDbPath } from '../../src/state/open-state-db.js';
import { captureIo } from '../helpers/capture-io.js';
import { writeFiles } from '../helpers/temp-stack.js';
import { until } from '../helpers/until.js';

const env = { PATH: process.env.PATH ?? '' };

/** Events straight from the file, as `berth events` reads them with no daemon. */
function readDb(stateDir: string): StoredEvent[] {
  const db = openStateDb(stateDbPath(stateDir), { create: false });
  try {
    return new EventStore(db).list({ limit: 100_000 });
  } finally {
    db.close();
  }
}

async function historyFromDaemon(socket: string, query = ''): Promise<StoredEvent[]> {
  const answer = await callApi(socket, 'GET', `/v1/events/history${query}`);
  assert.ok(answer.ok && answer.status === 200, JSON.stringify(answer));
  return (answer.body as { events: StoredEvent[] }).events;
}

async function events(dir: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = captureIo(dir, env);
  const code = await main(['events', ...args], io);
  return { code, out: io.out(), err: io.err() };
}

/** `berth down`, then until the daemon has finished closing (it answers before it closes the database). */
async function down(dir: string, stateDir: string): Promise<void> {
  assert.equal(await main(['down'], captureIo(dir, env)), 0);
  await until('the daemon to finish', () => statSync(join(stateDir, 'daemon.json'), { throwIfNoEntry: false }) === undefined);
}

const CRASHER = `crasher:
    command: sh -c 'env; echo "token is $API_TOKEN"; exit 1'
    backoff: { initial: 20ms, max: 50ms }`;

describe('events in state.db', () => {
  // Why: an assertion that fails mid-test must not leave its daemon (and its services) running after the suite.
  const stacks: string[] = [];
  afterEach(async () => {
    for (const dir of stacks.splice(0)) await main(['down'], captureIo(dir, env));
  });
  const stackDir = (files: Readonly<Record<string, string>>): string => {
    const dir = writeFiles(files);
    stacks.push(dir);
    return dir;
  };

  it('records a crash loop, keeps the file private, and never writes a service\'s secrets into it', async () => {
    const dir = stackDir({
      '.env': 'API_TOKEN=tok-SECRET-123456\nPLAIN_SETTING=plain-SECRET-654321\n',
      'berth.yml': `env_file: .env
services:
  ${CRASHER}
  prober:
    command: sleep 60
    ready: { exec: "sh -c 'env; exit 1'", start_timeout: 400ms, interval: 50ms }
    backoff: { initial: 20ms, max: 50ms }
`,
    });
    const paths = getStatePaths(join(dir, 'berth.yml'));
    const up = captureIo(dir, env);
    assert.equal(await main(['up', '-d', '--timeout', '20s'], up), 1, 'the stack cannot become ready');
    const stored = await until('a crash loop and a failed start to be recorded', async () => {
      const found = await historyFromDaemon(paths.socket, '?limit=1000');
      return found.some((e) => e.type === 'crash_loop' && e.service === 'crasher') && found.some((e) => e.type === 'start_failed' && e.service === 'prober') ? found : undefined;
    });
    assert.equal(stored[0]?.type, 'daemon_started');
    assert.equal(stored.at(0)?.payload.previous_unclean, false);
    const crashes = stored.filter((e) => e.service === 'crasher');
    assert.equal(crashes.filter((e) => e.type === 'crash_loop').length, 1, 'one crash-loop event');
    assert.ok(crashes.some((e) => e.type === 'state' && e.payload.phase === 'backoff' && e.payload.reason === 'exited with code 1; restarting in 20 ms'));
    const loopAt = crashes.findIndex((e) => e.type === 'crash_loop');
    assert.ok(crashes.slice(loopAt + 1).every((e) => e.type !== 'state'), 'no state events while it crash-loops');
    assert.match(String(stored.find((e) => e.type === 'start_failed')?.payload.output), /<redacted>/, 'the probe printed the env, blanked');

    await down(dir, paths.stateDir);
    const files = readdirSync(paths.stateDir).filter((name) => name.startsWith('state.db'));
    assert.deepEqual(files, ['state.db'], 'a clean close checkpoints and removes the -wal and -shm files');
    assert.equal(statSync(join(paths.stateDir, 'state.db')).mode & 0o777, 0o600);
    const logs = readdirSync(paths.logsDir).map((name) => readFileSync(join(paths.logsDir, name), 'latin1')).join('');
    assert.ok(logs.includes('tok-SECRET-123456') && logs.includes('plain-SECRET-654321'), 'the services did print their secrets (into their own logs)');
    for (const name of [...files, 'daemon.log']) {
      const bytes = readFileSync(join(paths.stateDir, name), 'latin1');
      for (const secret of ['tok-SECRET-123456', 'plain-SECRET-654321']) assert.ok(!bytes.includes(secret), `${name} does not hold ${secret}`);
    }
    const last = readDb(paths.stateDir).at(-1);
    assert.equal(last?.type, 'daemon_stopped');
  });

  it('keeps events across daemon restarts, says when the one before was killed, and `berth events` reads them with or without a daemon', async () => {
    const dir = stackDir({ 'berth.yml': `services:\n  worker: { command: sleep 60 }\n  ${CRASHER}\n` });
    const paths = getStatePaths(join(dir, 'berth.yml'));
    assert.equal(await main(['up', '-d', 'worker'], captureIo(dir, env)), 0);
    assert.equal(await main(['down'], captureIo(dir, env)), 0);

    assert.equal(await main(['up', '-d', 'worker'], captureIo(dir, env)), 0);
    const daemon = JSON.parse(readFileSync(join(paths.stateDir, 'daemon.json'), 'utf8')) as { pid: number };
    process.kill(daemon.pid, 'SIGKILL');
    await until('the killed daemon to be gone', () => {
      const stat = readProcStat(daemon.pid);
      return stat === undefined || stat.state === 'Z';
    });
    assert.equal(await main(['up', '-d', 'worker'], captureIo(dir, env)), 0);

    const starts = (await historyFromDaemon(paths.socket, '?type=daemon_started')).map((e) => e.payload);
    assert.equal(starts.length, 3, 'three daemons, all in one history');
    assert.equal(starts[1]?.previous_unclean, false, 'the first daemon stopped cleanly');
    assert.equal(starts[2]?.previous_unclean, true, 'the second was killed');
    const reasons = (starts.at(2)?.previous_reasons ?? []) as string[];
    assert.ok(reasons.some((r) => r === `daemon.json was left behind by pid ${String(daemon.pid)}, which is gone`), reasons.join('; '));
    assert.ok(reasons.some((r) => /^1 process record\(s\) were left behind \(1 still running\)$/.test(r)), reasons.join('; '));
    assert.ok(reasons.some((r) => /recorded no stop$/.test(r)));
    assert.deepEqual(starts.at(2)?.leftovers, [{ service: 'worker', instance: 1, running: true }]);

    const withDaemon = await events(dir, '--type', 'daemon_started,daemon_stopped');
    assert.equal(withDaemon.code, 0, withDaemon.err);
    const lines = withDaemon.out.split('\n');
    assert.equal(lines.length, 4, withDaemon.out);
    assert.match(lines[0] ?? '', /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} {2}stack +daemon_started +daemon started \(pid \d+\)$/);
    assert.match(lines[1] ?? '', /daemon_stopped +daemon stopped \(pid \d+, stopped on request\) after \d+s$/);
    assert.match(lines[3] ?? '', /daemon_started +daemon started \(pid \d+\); the previous daemon did not stop cleanly: daemon\.json was left behind/);

    assert.equal(await main(['start', 'crasher'], captureIo(dir, env)), 0);
    await until('the crash loop', async () => (await historyFromDaemon(paths.socket, '?type=crash_loop')).length === 1);
    const json = await events(dir, '--service', 'crasher', '--type', 'crash_loop', '--json');
    assert.equal(json.code, 0);
    const loop = JSON.parse(json.out) as StoredEvent;
    assert.equal(loop.service, 'crasher');
    assert.equal(loop.payload.reason, 'exited with code 1');

    await down(dir, paths.stateDir);
    const fromFile = await events(dir, '--service', 'crasher', '--type', 'crash_loop', '--json');
    assert.deepEqual(JSON.parse(fromFile.out), loop, 'the same event read from the file with no daemon');
    const lastTwo = await events(dir, '-n', '2');
    assert.match(lastTwo.out, /daemon_stopped/);
    assert.equal(lastTwo.out.split('\n').length, 2);
    const recent = await events(dir, '--since', '1h', '--type', 'daemon_started', '--json');
    assert.equal(recent.out.split('\n').length, 3);
    const future = await events(dir, '--since', '2999-01-01', '--json');
    assert.equal(future.out, '');
    assert.equal(readDb(paths.stateDir).filter((e) => e.type === 'daemon_stopped').length, 2, 'the killed daemon recorded no stop');
  });

  it('`berth events` before any stack ran, and its usage errors', async () => {
    const dir = stackDir({ 'berth.yml': 'services:\n  api: { command: sleep 1 }\n' });
    const none = await events(dir);
    assert.deepEqual([none.code, none.out], [0, 'no events recorded']);
    assert.equal(statSync(join(dir, '.berth'), { throwIfNoEntry: false }), undefined, 'reading creates nothing');
    const typo = await events(dir, '--type', 'crashloop');
    assert.equal(typo.code, 2);
    assert.match(typo.err, /no event type `crashloop`; did you mean `crash_loop`\?/);
    const service = await events(dir, '--service', 'apj');
    assert.equal(service.code, 2);
    assert.match(service.err, /no service named apj; did you mean `api`\?/);
    assert.equal((await events(dir, '-n', 'x')).code, 2);
    assert.equal((await events(dir, '--since', 'soon')).code, 2);
    assert.equal((await events(dir, 'api')).code, 2);
  });
});
