import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { Agent, type ServerResponse } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readProcessRecords } from '../../src/exec/process-records.js';
import { isProcessAlive, listGroupMembers } from '../../src/exec/proc-stat.js';
import { loaderFlags } from '../../src/exec/spawn-daemon.js';
import { stopProcessGroup, waitForGroupExit } from '../../src/exec/stop-process-group.js';
import { startEdgeProcess } from '../../src/edge/start-edge-process.js';
import { parseEcho, send, startEchoUpstream, startUpstream, type Running } from './edge-fixtures.js';
import { edgeWorkerPids, freePort, makeEdgeDir, startTestEdge, waitFor, webTable, type StartedEdge } from './edge-process-fixtures.js';

/** `count` requests, each on its own connection (so no worker keeps one), all answered by the upstream `name`. */
async function sendMany(port: number, count: number, name: string): Promise<void> {
  for (let i = 0; i < count; i++) {
    const answer = await send(port, { path: `/r${String(i)}` });
    assert.equal(answer.status, 200, answer.body);
    assert.equal(parseEcho(answer).name, name);
  }
}

function groupGone(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

describe('the edge process with two workers', () => {
  let upstream: Running;
  let started: StartedEdge;
  const maxSize = 1500;

  before(async () => {
    upstream = await startEchoUpstream('a');
    started = await startTestEdge(webTable(1, upstream.upstream), { workers: 2, logMaxSize: maxSize, logKeep: 2 });
  });
  after(async () => {
    await started.close();
    await upstream.close();
  });

  it('serves the table from each worker, and sums the counters over the workers', async () => {
    const { edge, port, runDir } = started;
    const [first, second] = await waitFor('two workers', () => { const pids = edgeWorkerPids(edge.pid); return pids.length === 2 && pids; });
    assert.ok(first !== undefined && second !== undefined);
    assert.deepEqual(readProcessRecords(runDir).map((record) => [record.service, record.pid, record.pgid]), [['.edge', edge.pid, edge.pid]]);
    const before = (await edge.readCounters())['web#0']?.requests ?? 0;
    // With one worker stopped, only the other can accept: each worker alone serves the table.
    for (const [stopped, serving] of [[first, second], [second, first]] as const) {
      process.kill(stopped, 'SIGSTOP');
      try {
        assert.ok(isProcessAlive(serving));
        await sendMany(port, 5, 'a');
      } finally {
        process.kill(stopped, 'SIGCONT');
      }
    }
    const counters = await edge.readCounters();
    assert.equal(counters['web#0']?.requests, before + 10);
    assert.equal(counters['web#0'].status2xx, before + 10);
    assert.ok(counters['web#0'].bytesSent > 0);
  });

  it('writes one JSON line per request to the route\'s access log, rotated at the size limit', async () => {
    const { port, logDir } = started;
    await sendMany(port, 40, 'a');
    // Each worker sends its lines every 200 ms on its own: the last request goes out once both have sent theirs, so
    // no late batch from the other worker can rotate it out of the current file.
    await sleep(600);
    assert.equal((await send(port, { path: '/nowhere', headers: { host: 'x' } })).status, 200); // any host: still routed
    const files = await waitFor('a rotated access log', () => {
      try {
        const names = readdirSync(logDir);
        return names.includes('web.0.access.log.1') && names.includes('web.0.access.log') && names;
      } catch {
        return false;
      }
    });
    assert.ok(files.every((name) => name.startsWith('web.0.access.log')), files.join(' '));
    assert.ok(!files.includes('web.0.access.log.3'), 'keeps 2 rotated files');
    for (const name of files) {
      const text = readFileSync(join(logDir, name), 'utf8');
      assert.ok(text.length <= maxSize, `${name} is ${String(text.length)} bytes`);
      for (const line of text.split('\n').filter((l) => l !== '')) {
        const entry = JSON.parse(line) as Record<string, unknown>;
        assert.deepEqual(Object.keys(entry), ['time', 'method', 'path', 'status', 'bytes', 'duration_ms', 'upstream', 'client']);
        assert.equal(entry.method, 'GET');
        assert.equal(entry.status, 200);
        assert.equal(entry.upstream, `127.0.0.1:${String(upstream.port)}`);
        assert.equal(entry.client, '127.0.0.1');
        assert.match(String(entry.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
        assert.equal(typeof entry.bytes, 'number');
        assert.equal(Math.round((entry.duration_ms as number) * 10) / 10, entry.duration_ms);
      }
    }
    // The newest lines are in the current file.
    await waitFor('the last request logged', () => readFileSync(join(logDir, 'web.0.access.log'), 'utf8').includes('"path":"/nowhere"'));
  });

  it('replaces a killed worker while the other keeps serving', async () => {
    const { edge, port } = started;
    const exits: { pid: number; signal: string | null }[] = [];
    edge.onWorkerExit((info) => { exits.push(info); });
    const [victim, survivor] = edgeWorkerPids(edge.pid);
    assert.ok(victim !== undefined && survivor !== undefined);
    process.kill(victim, 'SIGKILL');
    await waitFor('the killed worker gone', () => !isProcessAlive(victim));
    // Served by the survivor (and the replacement once it listens): none fails.
    await sendMany(port, 10, 'a');
    await waitFor('a replacement worker', () => {
      const pids = edgeWorkerPids(edge.pid);
      return pids.length === 2 && !pids.includes(victim) && pids.includes(survivor);
    });
    await waitFor('worker_exit reported', () => exits.length > 0);
    assert.deepEqual(exits.map((exit) => [exit.pid, exit.signal]), [[victim, 'SIGKILL']]);
    // The replacement has the table: a table swap is applied by every live worker.
    await edge.setTable(webTable(2, upstream.upstream));
    process.kill(survivor, 'SIGSTOP');
    try {
      await sendMany(port, 3, 'a');
    } finally {
      process.kill(survivor, 'SIGCONT');
    }
  });
});

describe('the edge process, starting and stopping', () => {
  it('reports EADDRINUSE when the port is taken, and leaves no process behind', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    const { dir, logDir, runDir } = makeEdgeDir();
    try {
      const result = await startEdgeProcess({ config: { address: '127.0.0.1', port, workers: 2, logDir, logMaxSize: 1e6, logKeep: 1 }, table: webTable(1), runDir, startTimeoutMs: 60_000 });
      assert.equal(result.ok, false);
      assert.ok(!result.ok);
      assert.equal(result.code, 'EADDRINUSE');
      assert.match(result.message, /EADDRINUSE|in use/);
      assert.deepEqual(readProcessRecords(runDir), []);
    } finally {
      blocker.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stop() ends the whole process group and removes the record', async () => {
    const upstream = await startEchoUpstream('a');
    const started = await startTestEdge(webTable(1, upstream.upstream), { workers: 2 });
    try {
      await sendMany(started.port, 2, 'a');
      await started.edge.stop();
      assert.deepEqual(listGroupMembers(started.edge.pid), []);
      assert.ok(groupGone(started.edge.pid), 'kill(-pgid, 0) says ESRCH');
      assert.deepEqual(readProcessRecords(started.runDir), []);
      const exit = await started.edge.exited;
      assert.deepEqual(exit, { code: 0, signal: null });
      await assert.rejects(started.edge.readCounters(), /exited/);
    } finally {
      await started.close();
      await upstream.close();
    }
  });

  it('stop() lets a running request finish and closes idle keep-alive connections at once', async () => {
    const held: ServerResponse[] = [];
    const slow = await startUpstream((_req, res) => { held.push(res); });
    const started = await startTestEdge(webTable(1, slow.upstream), { workers: 2 });
    const agent = new Agent({ keepAlive: true });
    try {
      const idle = send(started.port, { path: '/idle', agent });
      await waitFor('the first request', () => held.length === 1);
      held[0]?.end('idle');
      assert.equal((await idle).body, 'idle'); // its keep-alive connection stays open, idle
      const running = send(started.port, { path: '/running' });
      await waitFor('the running request', () => held.length === 2);
      const begun = Date.now();
      const stopped = started.edge.stop();
      setTimeout(() => { held[1]?.end('finished'); }, 300);
      assert.deepEqual([(await running).status, (await running).body], [200, 'finished']);
      await stopped;
      assert.ok(Date.now() - begun < 4500, `stopped in ${String(Date.now() - begun)} ms, not after the 5 s grace`);
      assert.deepEqual(listGroupMembers(started.edge.pid), []);
    } finally {
      agent.destroy();
      for (const res of held) res.destroy();
      await started.close();
      await slow.close();
    }
  });

  it('exits, with its workers, when the daemon that started it dies', async () => {
    const { dir, logDir, runDir } = makeEdgeDir();
    const port = await freePort();
    const script = fileURLToPath(new URL('../fixtures/edge-parent.ts', import.meta.url));
    const config = JSON.stringify({ address: '127.0.0.1', port, workers: 2, logDir, logMaxSize: 1e6, logKeep: 1 });
    const parent = spawn(process.execPath, [...loaderFlags(process.execArgv), script, config, runDir], { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
    let edgePid = 0;
    try {
      let out = '';
      parent.stdout.on('data', (chunk: Buffer) => { out += chunk.toString(); });
      edgePid = await waitFor('the edge pid', () => { const match = /^edge (\d+)$/m.exec(out); return match !== null && Number(match[1]); }, 60_000);
      assert.equal((await send(port, { path: '/' })).status, 502); // listening; the upstream is not there
      process.kill(-(parent.pid ?? 0), 'SIGKILL');
      assert.ok(await waitForGroupExit(edgePid, 15_000), 'the edge group is gone');
    } finally {
      await stopProcessGroup(parent.pid ?? 0, 'SIGKILL', 1000);
      if (edgePid !== 0) await stopProcessGroup(edgePid, 'SIGKILL', 1000);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
