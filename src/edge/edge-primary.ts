// The edge process's cluster primary: takes the daemon's messages (edge-ipc.ts), forks the workers, which accept on
// the shared listening sockets themselves (SCHED_NONE: no round robin through the primary), relays tables,
// certificate sets and ACME answers (keeping the newest for workers forked later), sums drains and counters,
// writes the access logs, and replaces a worker that dies (100 ms backoff doubling to 5 s) while
// the others keep serving: the primary keeps the listening handle, so the socket never closes. It exits on SIGTERM
// (after its workers finish) and when the daemon's IPC channel goes (the daemon died).
// Why ≥ 2 workers matter: node:cluster closes a shared handle when its last worker leaves it, so with one worker
// the port is closed between that worker's death and its replacement.
import cluster, { type Worker } from 'node:cluster';
import type { RouteCounters } from './access-record.js';
import { createAccessLogFiles, type AccessLogFiles } from './access-log-files.js';
import { createRouteCounters } from './access-record.js';
import type { DaemonToEdge, EdgeCert, EdgeStartConfig, EdgeToDaemon } from './edge-ipc.js';
import type { RouteTable } from './edge-types.js';
import type { PrimaryToWorker, WorkerToPrimary } from './edge-worker-ipc.js';
import type { DrainOutcome } from './drain-upstreams.js';
import { createWorkerAnswers } from './worker-answers.js';

interface WorkerState {
  readonly worker: Worker;
  readonly forkedAt: number;
  /** forked: no hello yet (gets the newest table on init); init: told to listen; listening: serving. */
  phase: 'forked' | 'init' | 'listening';
  /** The table version the worker serves (-1 until it says). */
  version: number;
}

const firstBackoffMs = 100;
const maxBackoffMs = 5000;
/** A worker that ran this long before dying resets the backoff. */
const healthyRunMs = 10_000;
/** After SIGTERM, workers get this long (their own grace is 5 s) before they are killed. */
const workerStopMs = 7000;

function report(line: string): void {
  process.stderr.write(`berth edge: ${line}\n`);
}

function toDaemon(message: EdgeToDaemon, done?: () => void): void {
  if (process.send === undefined || !process.connected) {
    done?.();
    return;
  }
  process.send(message, undefined, {}, () => { done?.(); });
}

function addCounters(into: RouteCounters, from: RouteCounters): void {
  into.requests += from.requests;
  into.status2xx += from.status2xx;
  into.status3xx += from.status3xx;
  into.status4xx += from.status4xx;
  into.status5xx += from.status5xx;
  into.aborted += from.aborted;
  into.bytesSent += from.bytesSent;
}

export function runEdgePrimary(): void {
  process.stderr.on('error', () => undefined);
  if (process.send === undefined) {
    report('must be started by the Berth daemon (no IPC channel)');
    process.exit(2);
  }
  // Before any fork: each worker accepts on the shared socket itself.
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  const workers = new Map<number, WorkerState>();
  const drains = createWorkerAnswers<DrainOutcome>();
  const counters = createWorkerAnswers<Record<string, RouteCounters>>();
  const applied = createWorkerAnswers<null>();
  const pendingVersions = new Set<number>();
  const restartTimers = new Set<NodeJS.Timeout>();
  let config: EdgeStartConfig | null = null;
  let table: RouteTable | null = null;
  /** The newest certificate set and ACME answers: what a worker forked from now on starts with. */
  let certs: readonly EdgeCert[] = [];
  let challenges: Readonly<Record<string, string>> = {};
  let logs: AccessLogFiles | null = null;
  let announced = false;
  let stopping = false;
  /** listen_failed is on its way to the daemon: the exit waits for it. */
  let failing = false;
  let backoffMs = firstBackoffMs;

  const sendTo = (state: WorkerState, message: PrimaryToWorker): void => {
    if (state.worker.isConnected()) state.worker.send(message);
  };
  const serving = (): WorkerState[] => [...workers.values()].filter((state) => state.phase !== 'forked');

  const fork = (): void => {
    const worker = cluster.fork();
    workers.set(worker.id, { worker, forkedAt: Date.now(), phase: 'forked', version: -1 });
    // Sends to a worker that just died fail here; its exit is handled on 'exit'.
    worker.on('error', () => undefined);
  };

  const checkTables = (): void => {
    for (const version of [...pendingVersions]) {
      if (!serving().every((state) => state.version >= version)) continue;
      pendingVersions.delete(version);
      toDaemon({ type: 'table_applied', version });
    }
  };

  const finish = (code: number): void => {
    for (const timer of restartTimers) clearTimeout(timer);
    const closing = logs?.close() ?? Promise.resolve();
    const bound = new Promise<void>((resolve) => { setTimeout(resolve, 2000).unref(); });
    void Promise.race([closing, bound]).finally(() => process.exit(code));
  };

  const shutdown = (): void => {
    if (stopping) return;
    stopping = true;
    for (const timer of restartTimers) clearTimeout(timer);
    restartTimers.clear();
    if (workers.size === 0) {
      finish(0);
      return;
    }
    for (const { worker } of workers.values()) worker.process.kill('SIGTERM');
    setTimeout(() => {
      for (const { worker } of workers.values()) worker.process.kill('SIGKILL');
    }, workerStopMs).unref();
  };

  const failListen = (code: string, message: string, port: number): void => {
    stopping = true;
    failing = true;
    for (const { worker } of workers.values()) worker.process.kill('SIGKILL');
    toDaemon({ type: 'listen_failed', code, message, port }, () => { finish(1); });
  };

  const onWorkerMessage = (state: WorkerState, message: WorkerToPrimary): void => {
    switch (message.type) {
      case 'hello':
        if (config === null || table === null || state.phase !== 'forked') return;
        state.phase = 'init';
        sendTo(state, { type: 'init', address: config.address, port: config.port, table, https: config.https ?? null, certs, challenges });
        return;
      case 'listening': {
        state.phase = 'listening';
        state.version = Math.max(state.version, message.version);
        const listening = [...workers.values()].filter((other) => other.phase === 'listening').length;
        if (!announced && config !== null && listening >= config.workers) {
          announced = true;
          toDaemon({ type: 'listening', address: message.address, port: message.port, workers: listening, httpsPort: message.httpsPort });
        }
        checkTables();
        return;
      }
      case 'listen_failed':
        if (!announced && !stopping) failListen(message.code, message.message, message.port);
        else report(`a replacement worker could not listen on port ${String(message.port)}: ${message.code} ${message.message}`);
        return;
      case 'table_applied':
        state.version = Math.max(state.version, message.version);
        checkTables();
        return;
      case 'drained':
        drains.answer(message.id, state.worker.id, message);
        return;
      case 'counters':
        counters.answer(message.id, state.worker.id, message.routes);
        return;
      case 'certs_applied':
      case 'challenges_applied':
        applied.answer(message.id, state.worker.id, null);
        return;
      case 'access':
        for (const [routeId, lines] of Object.entries(message.lines)) logs?.append(routeId, lines);
        return;
    }
  };

  const onDaemonMessage = (message: DaemonToEdge): void => {
    switch (message.type) {
      case 'start':
        if (config !== null) return;
        config = message.config;
        table = message.table;
        certs = message.certs ?? certs;
        logs = createAccessLogFiles({ dir: config.logDir, maxSize: config.logMaxSize, keep: config.logKeep, report });
        for (let i = 0; i < Math.max(1, config.workers); i++) fork();
        return;
      case 'table':
        if (table === null) return;
        if (message.table.version > table.version) {
          table = message.table;
          for (const state of serving()) sendTo(state, { type: 'table', table });
        }
        pendingVersions.add(message.table.version);
        checkTables();
        return;
      case 'drain': {
        const { id: daemonId, upstreams, deadlineMs } = message;
        const asked = serving();
        const id = drains.ask(asked.map((state) => state.worker.id), (outcomes) => {
          toDaemon({
            type: 'drained',
            id: daemonId,
            forced: outcomes.some((outcome) => outcome.forced),
            webSocketsClosed: outcomes.reduce((sum, outcome) => sum + outcome.webSocketsClosed, 0),
            requestsLeft: outcomes.reduce((sum, outcome) => sum + outcome.requestsLeft, 0),
          });
        });
        for (const state of asked) sendTo(state, { type: 'drain', id, upstreams, deadlineMs });
        return;
      }
      case 'certs':
      case 'challenges': {
        // Workers not yet told to listen get the newest set in their init; the others are asked now. Each one
        // answers after the set is applied, so the daemon hears back once every live worker serves it.
        let relay: PrimaryToWorker;
        let done: () => void;
        if (message.type === 'certs') {
          certs = message.certs;
          const daemonId = message.id;
          relay = { type: 'certs', id: '', certs };
          done = () => { toDaemon({ type: 'certs_applied', id: daemonId }); };
        } else {
          challenges = message.tokens;
          const daemonId = message.id;
          relay = { type: 'challenges', id: '', tokens: challenges };
          done = () => { toDaemon({ type: 'challenges_applied', id: daemonId }); };
        }
        const asked = serving();
        const id = applied.ask(asked.map((state) => state.worker.id), done);
        for (const state of asked) sendTo(state, { ...relay, id });
        return;
      }
      case 'counters': {
        const daemonId = message.id;
        const asked = serving();
        const id = counters.ask(asked.map((state) => state.worker.id), (answers) => {
          const routes: Record<string, RouteCounters> = {};
          for (const answer of answers) {
            for (const [routeId, value] of Object.entries(answer)) addCounters(routes[routeId] ??= createRouteCounters(), value);
          }
          toDaemon({ type: 'counters', id: daemonId, routes });
        });
        for (const state of asked) sendTo(state, { type: 'counters', id });
        return;
      }
    }
  };

  cluster.on('message', (worker, message) => {
    const state = workers.get(worker.id);
    if (state !== undefined) onWorkerMessage(state, message as WorkerToPrimary);
  });
  cluster.on('exit', (worker, code, signal) => {
    const state = workers.get(worker.id);
    workers.delete(worker.id);
    drains.forget(worker.id);
    counters.forget(worker.id);
    applied.forget(worker.id);
    checkTables();
    if (stopping) {
      if (workers.size === 0 && !failing) finish(0);
      return;
    }
    toDaemon({ type: 'worker_exit', pid: worker.process.pid ?? 0, code, signal: signal || null });
    if (state !== undefined && Date.now() - state.forkedAt > healthyRunMs) backoffMs = firstBackoffMs;
    const timer = setTimeout(() => {
      restartTimers.delete(timer);
      if (!stopping) fork();
    }, backoffMs);
    restartTimers.add(timer);
    backoffMs = Math.min(backoffMs * 2, maxBackoffMs);
  });
  process.on('message', (message) => { onDaemonMessage(message as DaemonToEdge); });
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  // The daemon died (or closed the channel): nobody can stop us any more, so stop now.
  process.on('disconnect', shutdown);
}
