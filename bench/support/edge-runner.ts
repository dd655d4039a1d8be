// Berth's edge alone in its own process, for the P6 benchmark (bench/edge.bench.ts): createTableEdgeServer with one
// route (any host, path /) to one upstream, no access log hook (onAccess unset), no rate limit, no auth.
// The benchmark compiles this file (and the src/edge modules it imports) with tsc and runs it with plain node, as
// production would: no tsx loader.
//   node edge-runner.js PORT UPSTREAM_PORT [WORKERS]
// WORKERS > 1: node:cluster, the workers sharing the listening port (the primary hands out connections round robin).
// Prints `ready` on stdout once every worker listens; SIGTERM closes the edge and exits 0.
// BERTH_EDGE_PROFILE=FILE (1 worker): SIGUSR2 starts the V8 CPU profiler (after the benchmark's warm-up, so start-up
// and JIT warm-up stay out of it) and SIGTERM writes the profile to FILE before exiting.
import cluster from 'node:cluster';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { createTableEdgeServer } from '../../src/edge/serve-route-table.js';
import type { RouteTable } from '../../src/edge/edge-types.js';
import { makeBenchRouteTable } from './bench-route-table.js';

const [portArg, upstreamArg, workersArg] = process.argv.slice(2);
const port = Number(portArg);
const upstreamPort = Number(upstreamArg);
const workers = Number(workersArg ?? '1');
if (!Number.isInteger(port) || !Number.isInteger(upstreamPort) || !Number.isInteger(workers) || workers < 1) {
  console.error('usage: edge-runner PORT UPSTREAM_PORT [WORKERS]');
  process.exit(2);
}

const table: RouteTable = makeBenchRouteTable(upstreamPort);

function post(session: Session, method: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    session.post(method, (error, result) => {
      if (error === null) resolve(result);
      else reject(error);
    });
  });
}

function serve(onListening: () => void): void {
  const server = createTableEdgeServer(table);
  server.listen(port, '127.0.0.1', onListening);
  const profileFile = process.env.BERTH_EDGE_PROFILE;
  let session: Session | null = null;
  if (profileFile !== undefined) {
    process.once('SIGUSR2', () => {
      session = new Session();
      session.connect();
      void post(session, 'Profiler.enable').then(() => post(session as Session, 'Profiler.start'));
    });
  }
  process.once('SIGTERM', () => {
    const written = session === null || profileFile === undefined
      ? Promise.resolve()
      : post(session, 'Profiler.stop').then((result) => {
        writeFileSync(profileFile, JSON.stringify((result as { profile: unknown }).profile));
      });
    void written.then(() => server.closeEdge()).finally(() => process.exit(0));
  });
}

if (workers === 1) {
  serve(() => {
    process.stdout.write('ready\n');
  });
} else if (cluster.isPrimary) {
  let listening = 0;
  let stopping = false;
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on('listening', () => {
    if (++listening === workers) process.stdout.write('ready\n');
  });
  cluster.on('exit', (_worker, code, signal) => {
    if (!stopping) console.error(`edge-runner: a worker exited (code ${String(code)}, signal ${signal})`);
  });
  process.once('SIGTERM', () => {
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
    const timer = setTimeout(() => process.exit(0), 3000);
    timer.unref();
    cluster.disconnect(() => process.exit(0));
  });
} else {
  serve(() => undefined);
}
