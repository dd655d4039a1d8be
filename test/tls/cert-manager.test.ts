import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect, type TLSSocket } from 'node:tls';
import acme from 'acme-client';
import { buildRouteTable } from '../../src/edge/build-route-table.js';
import { startEdgeProcess, type EdgeProcess } from '../../src/edge/start-edge-process.js';
import { SILENT_LOGGER } from '../../src/shared/logger.js';
import type { NewEvent } from '../../src/state/event-store.js';
import { allocatePort } from '../../src/supervisor/allocate-port.js';
import { CertManager, type CertStatus } from '../../src/tls/cert-manager.js';
import { loadText } from '../helpers/temp-stack.js';
import { startPebble, type Pebble } from './pebble-fixture.js';
import { until } from '../helpers/until.js';

const hook = join(import.meta.dirname, '..', 'fixtures', 'dns-hook.mjs');
let pebble: Pebble;
let httpPort: number;
let httpsPort: number;
let root: string;

before(async () => {
  [httpPort, httpsPort] = [await allocatePort(), await allocatePort()];
  pebble = await startPebble(httpPort);
  // What NODE_EXTRA_CA_CERTS does for the daemon: trust the CA of Pebble's own listener (acme-client uses axios).
  acme.axios.defaults.httpsAgent = new Agent({ ca: pebble.listenerCa });
  root = await pebble.issuerRoot();
});
after(() => {
  pebble.stop();
});

interface Running { manager: CertManager; edge: EdgeProcess; events: NewEvent[]; stateDir: string }

function stackYaml(): string {
  return `edge:
  listen: { http: ${String(httpPort)}, https: ${String(httpsPort)}, address: 127.0.0.1 }
  workers: 1
  tls:
    acme: { email: ops@example.com, directory: "${pebble.directoryUrl}", dns_hook: "${process.execPath} ${hook}", dns_resolvers: ["${pebble.dnsServer}"], dns_wait: 20s }
services:
  web: { command: node web.js, http: {}, routes: [{ host: a.test }, { host: b.test }, { host: fail.test }, { host: "*.w.test" }] }
`;
}

async function startAll(dir: string, logFile: string): Promise<Running> {
  const loaded = loadText(stackYaml(), {});
  assert.ok(loaded.ok, JSON.stringify(!loaded.ok && loaded.diagnostics));
  const stateDir = join(dir, '.berth');
  const events: NewEvent[] = [];
  let edge: EdgeProcess | null = null;
  const manager = new CertManager({
    stack: { ...loaded.stack, root: dir }, stateDir, logger: SILENT_LOGGER, record: (e) => events.push(e),
    env: { PATH: process.env.PATH, CHALLTESTSRV: pebble.challtestsrv, DNS_HOOK_LOG: logFile },
    serve: (certs) => edge?.setCerts(certs) ?? Promise.resolve(),
    answer: (tokens) => (edge === null ? Promise.reject(new Error('no edge')) : edge.setChallenges(tokens)),
    backoff: { initialMs: 300, maxMs: 1500 }, checkEveryMs: 200,
  });
  const started = await startEdgeProcess({
    config: { address: '127.0.0.1', port: httpPort, workers: 1, logDir: join(stateDir, 'logs', 'access'), logMaxSize: 1 << 20, logKeep: 1, https: { port: httpsPort, redirectHttp: true, hsts: false } },
    table: buildRouteTable(loaded.stack, () => [], 1), runDir: join(stateDir, 'run'), certs: manager.edgeCerts(),
  });
  assert.ok(started.ok, JSON.stringify(started));
  edge = started.edge;
  return { manager, edge, events, stateDir };
}

/** A TLS connection to the edge for `servername`, verified against Pebble's issuing root. */
function openTls(servername: string): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: httpsPort, servername, ca: root }, () => {
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** Sends one keep-alive request on an open TLS socket and resolves with the status line. */
function requestOn(socket: TLSSocket, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer): void => {
      text += chunk.toString();
      const end = text.indexOf('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(text);
      if (end >= 0 && length !== null && text.length >= end + 4 + Number(length[1])) {
        socket.off('data', onData);
        resolve(text.split('\r\n')[0] ?? '');
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.write(`GET / HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
  });
}

const byHost = (manager: CertManager, host: string): CertStatus | undefined => manager.status().find((s) => s.host === host);

describe('certificates from an ACME CA (Pebble)', () => {
  it('issues per host over HTTP-01 and DNS-01, serves them by SNI, retries a failing host with backoff without holding up the others, renews without dropping a connection, and serves the stored ones after a restart without the CA', async () => {
    const loaded = loadText('services: {}\n');
    const dir = loaded.dir;
    const hookLog = join(dir, 'dns-hook.log');
    await pebble.addA('fail.test', '127.0.0.2'); // Pebble's HTTP-01 check for fail.test finds nobody there
    let running: Running | null = await startAll(dir, hookLog);
    try {
      const { manager } = running;
      manager.start();
      await until('a.test, b.test and *.w.test issued', () => ['a.test', 'b.test', '*.w.test'].every((h) => byHost(manager, h)?.state === 'valid'), 60_000);
      // SNI: each name gets its own certificate, trusted through Pebble's root.
      for (const [name, expected] of [['a.test', 'a.test'], ['b.test', 'b.test'], ['x.w.test', '*.w.test']] as const) {
        const socket = await openTls(name);
        assert.ok(socket.authorized, `${name}: ${String(socket.authorizationError)}`);
        assert.match(socket.getPeerCertificate().subjectaltname ?? '', new RegExp(`DNS:${expected.replace('*', '\\*')}`));
        socket.destroy();
      }
      assert.match(readFileSync(hookLog, 'utf8'), /^set _acme-challenge\.w\.test env-ok\nclear _acme-challenge\.w\.test env-ok$/m, 'the dns_hook set and then cleared the record');

      // fail.test fails again and again, each time after a longer wait, and never blocks the others.
      await until('fail.test to fail three times', () => (byHost(manager, 'fail.test')?.failures ?? 0) >= 3, 60_000);
      const failed = running.events.filter((e) => e.type === 'cert_failed' && e.payload?.host === 'fail.test');
      assert.ok(failed.length >= 3);
      const gaps = failed.slice(1).map((e, i) => e.time - (failed[i]?.time ?? 0));
      assert.ok((gaps[1] ?? 0) > (gaps[0] ?? 0) * 1.3, `backoff grows: ${JSON.stringify(gaps)}`);
      assert.equal(byHost(manager, 'fail.test')?.state, 'failed');
      assert.match(byHost(manager, 'fail.test')?.lastError ?? '', /.+/);
      assert.equal(byHost(manager, 'a.test')?.state, 'valid', 'a.test unaffected');

      // Renewal: a new certificate, served to new connections, while an open one keeps working.
      const open = await openTls('a.test');
      const before = open.getPeerCertificate().fingerprint256;
      assert.match(await requestOn(open, 'a.test'), /^HTTP\/1\.1 \d{3}/);
      const renewed = await running.manager.renew('a.test');
      assert.equal(renewed?.state, 'valid');
      const fresh = await openTls('a.test');
      const after = fresh.getPeerCertificate().fingerprint256;
      fresh.destroy();
      assert.notEqual(after, before, 'new connections get the renewed certificate');
      assert.match(await requestOn(open, 'a.test'), /^HTTP\/1\.1 \d{3}/, 'the open connection was not dropped');
      open.destroy();

      // Restart with the CA gone: the stored certificates are served and the CA is not asked.
      running.manager.stop();
      await running.edge.stop();
      running = null;
      pebble.stop();
      running = await startAll(dir, hookLog);
      running.manager.start();
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const again = await openTls('a.test');
      assert.ok(again.authorized);
      assert.equal(again.getPeerCertificate().fingerprint256, after, 'the stored (renewed) certificate');
      again.destroy();
      assert.deepEqual(running.events.filter((e) => e.type !== 'cert_failed' || e.payload?.host !== 'fail.test').map((e) => e.type), [], 'nothing but the never-issued fail.test asks the CA');
      assert.equal(byHost(running.manager, 'a.test')?.failures, 0);
    } finally {
      running?.manager.stop();
      await running?.edge.stop();
    }
  });
});
