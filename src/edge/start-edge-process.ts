// The daemon's handle on the edge process: spawns it (its own process group, recorded under the run folder so a
// daemon starting after a crash reaps it), hands it the start config and table over IPC, and turns the request and
// answer messages of edge-ipc.ts into promises. A request still waiting when the process exits rejects.
import { spawn } from 'node:child_process';
import { readProcStat } from '../exec/proc-stat.js';
import { removeProcessRecord, writeProcessRecord } from '../exec/process-records.js';
import { loaderFlags } from '../exec/spawn-daemon.js';
import { stopProcessGroup } from '../exec/stop-process-group.js';
import { edgeEntry } from '../shared/entry-points.js';
import type { RouteCounters } from './access-record.js';
import type { DaemonToEdge, EdgeCert, EdgeStartConfig, EdgeToDaemon } from './edge-ipc.js';
import type { RouteTable, Upstream } from './edge-types.js';
import { checkEdgeCerts } from './tls-contexts.js';

export interface EdgeProcess {
  readonly pid: number;
  /** Resolves once every worker applied this table (`table_applied` for its version). */
  setTable(table: RouteTable): Promise<void>;
  /** `deadlineMs`: milliseconds from now. */
  drain(upstreams: readonly Upstream[], deadlineMs: number): Promise<DrainResult>;
  readCounters(): Promise<Record<string, RouteCounters>>;
  /** Replaces the whole certificate set; resolves once every worker uses it for new handshakes (open connections
   * keep theirs). Rejects, changing nothing, when a certificate or key does not load or they do not match (the
   * error names the hosts, never the key). */
  setCerts(certs: readonly EdgeCert[]): Promise<void>;
  /** Replaces the ACME HTTP-01 answers (token → key authorization); resolves once every worker answers them. */
  setChallenges(tokens: Readonly<Record<string, string>>): Promise<void>;
  /** SIGTERM to the process group, SIGKILL at the timeout (default 10 s); resolves once the group is empty. */
  stop(timeoutMs?: number): Promise<void>;
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  onWorkerExit(listener: (info: { pid: number; code: number | null; signal: string | null }) => void): void;
}

export type DrainResult = { readonly forced: boolean; readonly webSocketsClosed: number; readonly requestsLeft: number };
export type StartEdgeResult = { ok: true; edge: EdgeProcess } | { ok: false; code: string; message: string };

export interface StartEdgeOptions {
  readonly config: EdgeStartConfig;
  readonly table: RouteTable;
  /** The folder of process records (`.berth/run`). */
  readonly runDir: string;
  /** The edge's stdout and stderr (diagnostic lines), as they come. */
  readonly output?: (stream: 'out' | 'err', chunk: Buffer) => void;
  /** Default 15 s. */
  readonly startTimeoutMs?: number;
  /** The certificate set to start with (for `config.https`); one that does not load is skipped, reported on stderr
   * by hosts. */
  readonly certs?: readonly EdgeCert[];
}

const recordName = '.edge';
const defaultStopMs = 10_000;
/** Kept from stderr for the message of a failed start. */
const stderrTailBytes = 2048;

interface Waiter<T> {
  resolve(value: T): void;
  reject(error: Error): void;
}

export function startEdgeProcess(options: StartEdgeOptions): Promise<StartEdgeResult> {
  const entry = edgeEntry();
  const child = spawn(process.execPath, [...loaderFlags(process.execArgv), entry], { detached: true, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const pid = child.pid;
  if (pid === undefined) {
    return new Promise((resolve) => {
      child.once('error', (error) => { resolve({ ok: false, code: 'ESPAWN', message: `could not start the edge process: ${error.message}` }); });
    });
  }
  writeProcessRecord(options.runDir, { service: recordName, instance: 1, pid, pgid: pid, startTime: readProcStat(pid)?.startTime ?? 0 });

  let stderrTail = '';
  child.stdout?.on('data', (chunk: Buffer) => { options.output?.('out', chunk); });
  child.stderr?.on('data', (chunk: Buffer) => {
    options.output?.('err', chunk);
    stderrTail = (stderrTail + chunk.toString()).slice(-stderrTailBytes);
  });
  child.on('error', () => undefined);

  const tables = new Map<number, Waiter<undefined>[]>();
  const drains = new Map<string, Waiter<DrainResult>>();
  const counters = new Map<string, Waiter<Record<string, RouteCounters>>>();
  /** certs_applied and challenges_applied, by request id. */
  const applied = new Map<string, Waiter<undefined>>();
  const workerExitListeners = new Set<(info: { pid: number; code: number | null; signal: string | null }) => void>();
  let nextId = 0;
  let gone: Error | null = null;
  let onStartMessage: ((message: EdgeToDaemon) => void) | null = null;

  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      gone = new Error(`the edge process exited (${signal ?? `code ${String(code)}`})`);
      for (const waiters of tables.values()) for (const waiter of waiters) waiter.reject(gone);
      for (const waiter of [...drains.values(), ...counters.values(), ...applied.values()]) waiter.reject(gone);
      tables.clear();
      drains.clear();
      counters.clear();
      applied.clear();
      resolve({ code, signal });
    });
  });

  const send = (message: DaemonToEdge, waiter: { reject(error: Error): void }): void => {
    if (gone !== null) {
      waiter.reject(gone);
      return;
    }
    child.send(message, (error) => { if (error !== null) waiter.reject(error); });
  };

  child.on('message', (raw) => {
    const message = raw as EdgeToDaemon;
    onStartMessage?.(message);
    switch (message.type) {
      case 'table_applied': {
        const waiters = tables.get(message.version);
        tables.delete(message.version);
        for (const waiter of waiters ?? []) waiter.resolve(undefined);
        break;
      }
      case 'drained': {
        const { id, type: _type, ...result } = message;
        drains.get(id)?.resolve(result);
        drains.delete(id);
        break;
      }
      case 'counters':
        counters.get(message.id)?.resolve(message.routes);
        counters.delete(message.id);
        break;
      case 'certs_applied':
      case 'challenges_applied':
        applied.get(message.id)?.resolve(undefined);
        applied.delete(message.id);
        break;
      case 'worker_exit':
        for (const listener of workerExitListeners) listener({ pid: message.pid, code: message.code, signal: message.signal });
        break;
      default:
        break;
    }
  });

  /** Sends a request answered by `certs_applied` / `challenges_applied` with its id. */
  const ask = (build: (id: string) => DaemonToEdge): Promise<void> => new Promise((resolve, reject) => {
    const id = String(++nextId);
    applied.set(id, { resolve, reject });
    send(build(id), { reject: (error) => { applied.delete(id); reject(error); } });
  });

  let stopping: Promise<void> | undefined;
  const edge: EdgeProcess = {
    pid,
    exited,
    setTable(table) {
      return new Promise((resolve, reject) => {
        const waiter = { resolve, reject };
        const waiters = tables.get(table.version);
        if (waiters === undefined) tables.set(table.version, [waiter]);
        else waiters.push(waiter);
        send({ type: 'table', table }, waiter);
      });
    },
    drain(upstreams, deadlineMs) {
      return new Promise((resolve, reject) => {
        const id = String(++nextId);
        drains.set(id, { resolve, reject });
        send({ type: 'drain', id, upstreams, deadlineMs }, { reject: (error) => { drains.delete(id); reject(error); } });
      });
    },
    readCounters() {
      return new Promise((resolve, reject) => {
        const id = String(++nextId);
        counters.set(id, { resolve, reject });
        send({ type: 'counters', id }, { reject: (error) => { counters.delete(id); reject(error); } });
      });
    },
    setCerts(certs) {
      const problem = checkEdgeCerts(certs);
      if (problem !== null) {
        return Promise.reject(new Error(`the certificate for ${problem.hosts.join(', ')} cannot be served: ${problem.reason}`));
      }
      return ask((id) => ({ type: 'certs', id, certs }));
    },
    setChallenges(tokens) {
      return ask((id) => ({ type: 'challenges', id, tokens: { ...tokens } }));
    },
    stop(timeoutMs = defaultStopMs) {
      stopping ??= (async () => {
        await stopProcessGroup(pid, 'SIGTERM', timeoutMs);
        await exited;
        removeProcessRecord(options.runDir, recordName, 1);
      })();
      return stopping;
    },
    onWorkerExit(listener) {
      workerExitListeners.add(listener);
    },
  };

  return new Promise<StartEdgeResult>((resolve) => {
    const fail = (code: string, message: string): void => {
      clearTimeout(timer);
      onStartMessage = null;
      void edge.stop(2000).then(() => { resolve({ ok: false, code, message }); });
    };
    const timeoutMs = options.startTimeoutMs ?? 15_000;
    const withTail = (text: string): string => {
      const tail = stderrTail.trim();
      return tail === '' ? text : `${text}: ${tail}`;
    };
    const timer = setTimeout(() => { fail('ETIMEDOUT', withTail(`the edge did not listen within ${String(timeoutMs)} ms`)); }, timeoutMs);
    onStartMessage = (message) => {
      if (message.type === 'listening') {
        clearTimeout(timer);
        onStartMessage = null;
        resolve({ ok: true, edge });
      } else if (message.type === 'listen_failed') {
        const port = message.port ?? options.config.port;
        const which = port === options.config.https?.port && port !== options.config.port ? ' (HTTPS)' : '';
        fail(message.code, `the edge could not listen on ${options.config.address}:${String(port)}${which}: ${message.message}`);
      }
    };
    void exited.then(({ code, signal }) => {
      if (onStartMessage === null) return;
      fail('EXITED', withTail(`the edge process exited while starting (${signal ?? `code ${String(code)}`})`));
    });
    send({ type: 'start', config: options.config, table: options.table, certs: options.certs ?? [] }, { reject: (error) => { fail('EIPC', error.message); } });
  });
}
