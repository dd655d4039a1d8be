// Fixtures for tests of the edge as real processes: a free port, a started edge that is always stopped, its worker
// pids from /proc, route tables, and waiting for a condition without tight timing.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { listGroupMembers } from '../../src/exec/proc-stat.js';
import { allocatePort } from '../../src/supervisor/allocate-port.js';
import type { EdgeCert, EdgeStartConfig } from '../../src/edge/edge-ipc.js';
import type { RouteTable, Upstream } from '../../src/edge/edge-types.js';
import { startEdgeProcess, type EdgeProcess } from '../../src/edge/start-edge-process.js';
import { makeRoute, serviceTarget } from './edge-fixtures.js';

/** A port on 127.0.0.1 that was free a moment ago (the supervisor's own allocator). */
export { allocatePort as freePort };

/** Version `version`, one route `web#0` (any host, `/`) to `upstreams`. */
export function webTable(version: number, ...upstreams: Upstream[]): RouteTable {
  return { version, trustedProxies: [], routes: [makeRoute({ id: 'web#0', target: serviceTarget(...upstreams) })] };
}

export interface StartedEdge {
  readonly edge: EdgeProcess;
  readonly port: number;
  readonly dir: string;
  readonly logDir: string;
  readonly runDir: string;
  /** What the edge wrote on stderr (for failure messages). */
  readonly stderr: () => string;
  /** Stops the edge and removes its folder. */
  close(): Promise<void>;
}

export function makeEdgeDir(): { dir: string; logDir: string; runDir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'berth-edge-proc-'));
  return { dir, logDir: join(dir, 'logs'), runDir: join(dir, 'run') };
}

export async function startTestEdge(table: RouteTable, config: Partial<EdgeStartConfig> = {}, certs?: readonly EdgeCert[]): Promise<StartedEdge> {
  const { dir, logDir, runDir } = makeEdgeDir();
  const port = config.port ?? await allocatePort();
  let stderr = '';
  const result = await startEdgeProcess({
    config: { address: '127.0.0.1', port, workers: 2, logDir, logMaxSize: 10 * 1024 * 1024, logKeep: 3, ...config },
    table,
    runDir,
    output: (stream, chunk) => { if (stream === 'err') stderr += chunk.toString(); },
    startTimeoutMs: 60_000,
    ...(certs === undefined ? {} : { certs }),
  });
  if (!result.ok) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`edge did not start: ${result.code} ${result.message}`);
  }
  const edge = result.edge;
  return {
    edge,
    port,
    dir,
    logDir,
    runDir,
    stderr: () => stderr,
    close: async () => {
      await edge.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Live worker processes of an edge: members of its group started from edge-main (not tsx's esbuild helper). */
export function edgeWorkerPids(edgePid: number): number[] {
  return listGroupMembers(edgePid)
    .filter((member) => member.ppid === edgePid)
    .filter((member) => {
      try {
        return readFileSync(`/proc/${String(member.pid)}/cmdline`, 'utf8').includes('edge-main');
      } catch {
        return false;
      }
    })
    .map((member) => member.pid);
}

/** Polls `check` until it returns a value other than undefined/false, or throws after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}
