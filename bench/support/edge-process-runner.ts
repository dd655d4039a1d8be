// Berth's edge as shipped, for the P6 benchmark (bench/edge.bench.ts): startEdgeProcess (the edge process the daemon
// runs: a node:cluster primary, SCHED_NONE, with WORKERS worker processes, access log on, batched over IPC to the
// primary which writes one JSON-lines file per route) with one route (any host, path /) to one upstream, no rate
// limit, no auth. The benchmark compiles this file with src/ (tsc) and runs it with plain node, so the edge process it
// spawns runs compiled JS with no loader, as production does.
//   node edge-process-runner.js PORT UPSTREAM_PORT WORKERS LOG_DIR RUN_DIR [HTTPS_PORT CERT_FILE KEY_FILE HOST]
// With HTTPS_PORT: the edge also serves HTTPS there (`config.https`, no redirect, no HSTS) with one certificate (the
// PEM files, handed over as `certs` for HOST, as the daemon hands over its certificates); the same route on both.
// Prints `ready PID` on stdout once every worker listens (PID: the edge's primary, which leads the edge's own process
// group); SIGTERM stops the edge (its whole group) and exits 0.
import { readFileSync } from 'node:fs';
import { startEdgeProcess } from '../../src/edge/start-edge-process.js';
import type { EdgeCert } from '../../src/edge/edge-ipc.js';
import type { RouteTable } from '../../src/edge/edge-types.js';
import { makeBenchRouteTable } from './bench-route-table.js';

const [portArg, upstreamArg, workersArg, logDir, runDir, httpsPortArg, certFile, keyFile, host] = process.argv.slice(2);
const port = Number(portArg);
const upstreamPort = Number(upstreamArg);
const workers = Number(workersArg);
const httpsPort = httpsPortArg === undefined ? null : Number(httpsPortArg);
const tlsArgsOk = httpsPort === null || (Number.isInteger(httpsPort) && certFile !== undefined && keyFile !== undefined && host !== undefined);
if (!Number.isInteger(port) || !Number.isInteger(upstreamPort) || !Number.isInteger(workers) || workers < 1 || logDir === undefined || runDir === undefined || !tlsArgsOk) {
  console.error('usage: edge-process-runner PORT UPSTREAM_PORT WORKERS LOG_DIR RUN_DIR [HTTPS_PORT CERT_FILE KEY_FILE HOST]');
  process.exit(2);
}
const certs: EdgeCert[] = httpsPort === null || certFile === undefined || keyFile === undefined || host === undefined
  ? []
  : [{ hosts: [host], cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') }];

const table: RouteTable = makeBenchRouteTable(upstreamPort);

// What the daemon hands the edge (src/daemon/edge-controller.ts): 10 MB files, 5 kept.
const started = await startEdgeProcess({
  config: {
    address: '127.0.0.1', port, workers, logDir, logMaxSize: 10 * 1024 * 1024, logKeep: 5,
    https: httpsPort === null ? null : { port: httpsPort, redirectHttp: false, hsts: false },
  },
  table,
  certs,
  runDir,
  output: (_stream, chunk) => { process.stderr.write(chunk); },
});
if (!started.ok) {
  console.error(`edge-process-runner: ${started.code}: ${started.message}`);
  process.exit(1);
}
const { edge } = started;
let stopping = false;
process.stdout.write(`ready ${String(edge.pid)}\n`);
void edge.exited.then(({ code, signal }) => {
  if (!stopping) {
    console.error(`edge-process-runner: the edge exited (${signal ?? `code ${String(code)}`})`);
    process.exit(1);
  }
});
process.once('SIGTERM', () => {
  stopping = true;
  void edge.stop(8000).finally(() => process.exit(0));
});
