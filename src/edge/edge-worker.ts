// One edge worker (a node:cluster worker of the edge process): serves the route table on the shared listening socket
// (and the shared HTTPS one when TLS is on), applies tables, certificate sets and ACME answers, drains upstreams,
// reports counters, and batches its access log lines to the primary. SIGTERM:
// stop accepting, close idle keep-alive connections, let running requests finish (up to 5 s), exit. When the primary
// goes away, node:cluster exits the worker.
import type { AddressInfo, Server } from 'node:net';
import { createAccessLogBatch } from './access-log-batch.js';
import { drainUpstreams } from './drain-upstreams.js';
import type { PrimaryToWorker, WorkerToPrimary } from './edge-worker-ipc.js';
import { createTableEdgeServer, type TableEdgeServer } from './serve-route-table.js';
import type { CertProblem } from './tls-contexts.js';

/** Running requests get this long after SIGTERM before their connections are cut. */
const shutdownGraceMs = 5000;
const idleSweepMs = 100;

function report(line: string): void {
  process.stderr.write(`berth edge worker ${String(process.pid)}: ${line}\n`);
}

/** Sends to the primary; `done` runs once written (or at once when the channel is gone). False: the channel is backed up. */
function toPrimary(message: WorkerToPrimary, done?: () => void): boolean {
  if (process.send === undefined || !process.connected) {
    done?.();
    return true;
  }
  return process.send(message, undefined, {}, () => { done?.(); });
}

/** Names the hosts and OpenSSL's reason; never the key. */
function reportCertProblems(problems: readonly CertProblem[]): void {
  for (const problem of problems) report(`the certificate for ${problem.hosts.join(', ')} could not be loaded (skipped): ${problem.reason}`);
}

function listenOn(server: Server, port: number, address: string): Promise<{ ok: true; port: number } | { ok: false; error: Error }> {
  return new Promise((resolve) => {
    const onError = (error: Error): void => { resolve({ ok: false, error }); };
    server.once('error', onError);
    server.listen(port, address, () => {
      server.removeListener('error', onError);
      server.on('error', (error) => { report(`server error: ${error.message}`); });
      resolve({ ok: true, port: (server.address() as AddressInfo).port });
    });
  });
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : 'EUNKNOWN';
}

export function runEdgeWorker(): void {
  // The daemon may be gone with our stderr pipe: a failed diagnostic write must not kill the worker.
  process.stderr.on('error', () => undefined);
  let server: TableEdgeServer | null = null;
  let version = -1;
  let stopping = false;
  const accessLog = createAccessLogBatch({
    send: (lines, done) => toPrimary({ type: 'access', lines }, done),
    onDrop: (dropped) => { report(`${String(dropped)} access log lines dropped (the primary fell behind)`); },
  });

  const start = async (message: Extract<PrimaryToWorker, { type: 'init' }>): Promise<void> => {
    const edge = createTableEdgeServer(message.table, { onAccess: (entry) => { accessLog.add(entry); }, https: message.https });
    server = edge;
    version = message.table.version;
    reportCertProblems(edge.setCerts(message.certs));
    edge.setChallenges(message.challenges);
    const fail = (error: Error, port: number): void => {
      toPrimary({ type: 'listen_failed', code: errorCode(error), message: error.message, port }, () => { process.exit(1); });
    };
    const http = await listenOn(edge, message.port, message.address);
    if (!http.ok) {
      fail(http.error, message.port);
      return;
    }
    let httpsPort: number | null = null;
    if (edge.httpsServer !== null && message.https !== null) {
      const https = await listenOn(edge.httpsServer, message.https.port, message.address);
      if (!https.ok) {
        fail(https.error, message.https.port);
        return;
      }
      httpsPort = https.port;
    }
    const address = edge.address() as AddressInfo;
    toPrimary({ type: 'listening', address: address.address, port: address.port, httpsPort, version });
  };

  const onMessage = (message: PrimaryToWorker): void => {
    if (message.type === 'init') {
      if (server === null) void start(message);
      return;
    }
    const edge = server;
    if (edge === null) return;
    switch (message.type) {
      case 'table':
        if (edge.setRouteTable(message.table)) version = message.table.version;
        toPrimary({ type: 'table_applied', version });
        break;
      case 'drain':
        void drainUpstreams(edge, message.upstreams, message.deadlineMs).then((outcome) => {
          toPrimary({ type: 'drained', id: message.id, ...outcome });
        });
        break;
      case 'counters':
        toPrimary({ type: 'counters', id: message.id, routes: edge.readRouteCounters() });
        break;
      case 'certs':
        reportCertProblems(edge.setCerts(message.certs));
        toPrimary({ type: 'certs_applied', id: message.id });
        break;
      case 'challenges':
        edge.setChallenges(message.tokens);
        toPrimary({ type: 'challenges_applied', id: message.id });
        break;
    }
  };

  const shutdown = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    const edge = server;
    if (edge !== null) {
      const closed = edge.closeListeners();
      // WebSockets never finish by themselves: they are told the server is going away.
      edge.closeWebSockets(null);
      // Connections that finish their request become idle; close them as they do.
      const sweep = setInterval(() => { edge.closeIdleEdgeConnections(); }, idleSweepMs);
      let grace: NodeJS.Timeout | undefined;
      await Promise.race([closed, new Promise<void>((resolve) => { grace = setTimeout(resolve, shutdownGraceMs); })]);
      clearInterval(sweep);
      clearTimeout(grace);
      await edge.closeEdge();
    }
    await accessLog.flush();
    process.exit(0);
  };

  process.on('SIGTERM', () => { void shutdown(); });
  process.on('message', (message) => { onMessage(message as PrimaryToWorker); });
  toPrimary({ type: 'hello' });
}
