import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { Agent as HttpsAgent } from 'node:https';
import { createServer, connect as connectTcp } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import type { EdgeCert } from '../../src/edge/edge-ipc.js';
import type { RouteTable } from '../../src/edge/edge-types.js';
import { readProcessRecords } from '../../src/exec/process-records.js';
import { isProcessAlive } from '../../src/exec/proc-stat.js';
import { startEdgeProcess } from '../../src/edge/start-edge-process.js';
import { makeRoute, parseEcho, send, serviceTarget, startEchoUpstream, type Running } from './edge-fixtures.js';
import { edgeWorkerPids, freePort, makeEdgeDir, startTestEdge, waitFor, type StartedEdge } from './edge-process-fixtures.js';
import { createTestCa, fingerprintOf, handshake, httpsSend, type TestCa } from './tls-fixtures.js';

const hsts = 'max-age=31536000';

/** a.test and *.w.test go to the echo upstream, a.test/chat to a WebSocket echo; nothing else is routed. */
function tlsTable(version: number, web: Running, chatPort: number): RouteTable {
  const chat = { host: '127.0.0.1', port: chatPort };
  return {
    version,
    trustedProxies: [],
    routes: [
      makeRoute({ id: 'web#0', host: 'a.test', target: serviceTarget(web.upstream) }),
      makeRoute({ id: 'web#1', host: '*.w.test', target: serviceTarget(web.upstream) }),
      makeRoute({ id: 'chat#0', host: 'a.test', path: '/chat', target: { kind: 'service', service: 'chat', upstreams: [chat] } }),
    ],
  };
}

/** No line of a PEM private key (its base64 body) shows up in `text`. */
function assertNoKey(text: string, certs: readonly EdgeCert[]): void {
  assert.ok(!text.includes('PRIVATE KEY'), 'no PEM key header');
  for (const cert of certs) {
    for (const line of cert.key.split('\n').filter((l) => l.length > 20 && !l.startsWith('-----'))) {
      assert.ok(!text.includes(line), 'no line of a private key');
    }
  }
}

/** A raw HTTP/1.1 request; resolves with what the server sent before closing. */
function rawHttp(port: number, head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connectTcp(port, '127.0.0.1', () => { socket.write(head); });
    let out = '';
    socket.on('data', (chunk: Buffer) => { out += chunk.toString(); });
    socket.on('end', () => { resolve(out); });
    socket.on('error', reject);
  });
}

describe('the edge process over HTTPS (redirect and HSTS on, two workers)', () => {
  let ca: TestCa;
  let web: Running;
  let chat: WebSocketServer;
  let chatPort: number;
  let started: StartedEdge;
  let httpsPort: number;
  const issued: EdgeCert[] = [];
  let certA: EdgeCert;
  let certB: EdgeCert;
  let certW: EdgeCert;

  const issue = (hosts: string[]): EdgeCert => {
    const cert = ca.issue(hosts);
    issued.push(cert);
    return cert;
  };

  before(async () => {
    ca = createTestCa();
    [certA, certB, certW] = [issue(['a.test']), issue(['b.test']), issue(['*.w.test'])];
    web = await startEchoUpstream('web');
    chat = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    chat.on('connection', (socket, req) => {
      socket.on('message', (data: Buffer) => { socket.send(`${String(req.headers['x-forwarded-proto'])} ${data.toString()}`); });
    });
    await new Promise<void>((resolve) => { chat.once('listening', () => { resolve(); }); });
    chatPort = (chat.address() as { port: number }).port;
    httpsPort = await freePort();
    started = await startTestEdge(tlsTable(1, web, chatPort), { workers: 2, https: { port: httpsPort, redirectHttp: true, hsts: true } }, [certA, certB, certW]);
  });
  after(async () => {
    await started.close();
    await web.close();
    await new Promise<void>((resolve) => { chat.close(() => { resolve(); }); });
    assertNoKey(started.stderr(), issued);
    ca.close();
  });

  it('picks the certificate by SNI: the exact name, the wildcard one label up, none for other names', async () => {
    const at = (servername: string): Promise<string> => handshake(httpsPort, { servername, ca: ca.ca }).then((done) => done.fingerprint);
    assert.equal(await at('a.test'), fingerprintOf(certA));
    assert.equal(await at('b.test'), fingerprintOf(certB));
    assert.equal(await at('x.w.test'), fingerprintOf(certW));
    assert.equal(await at('X.W.Test'), fingerprintOf(certW));
    // Never some other host's certificate: the handshake fails.
    for (const servername of ['c.test', 'w.test', 'y.x.w.test']) {
      await assert.rejects(handshake(httpsPort, { servername, ca: ca.ca }), { code: 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE' }, servername);
    }
    // No SNI at all (a bare IP): no certificate either, even without verifying.
    await assert.rejects(handshake(httpsPort, { rejectUnauthorized: false }), { code: 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE' });
  });

  it('accepts TLS 1.2 (ECDHE with AES-GCM, in the server\'s order) and 1.3, and refuses TLS 1.1 and CBC suites', async () => {
    const tls13 = await handshake(httpsPort, { servername: 'a.test', ca: ca.ca, minVersion: 'TLSv1.3' });
    assert.equal(tls13.protocol, 'TLSv1.3');
    const tls12 = await handshake(httpsPort, { servername: 'a.test', ca: ca.ca, maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256' });
    assert.equal(tls12.protocol, 'TLSv1.2');
    assert.equal(tls12.cipher, 'ECDHE-ECDSA-AES128-GCM-SHA256'); // the server's preference, not the client's
    await assert.rejects(
      handshake(httpsPort, { servername: 'a.test', ca: ca.ca, minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' }),
      { code: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION' },
    );
    await assert.rejects(
      handshake(httpsPort, { servername: 'a.test', ca: ca.ca, maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA' }),
      { code: 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE' },
    );
  });

  it('proxies over HTTPS with X-Forwarded-Proto https and HSTS, WebSockets too, counted per route', async () => {
    const before = (await started.edge.readCounters())['web#0']?.requests ?? 0;
    const answer = await httpsSend(httpsPort, { ca: ca.ca, servername: 'a.test', path: '/hello?x=1' });
    assert.equal(answer.status, 200, answer.body);
    const echo = parseEcho(answer);
    assert.equal(echo.url, '/hello?x=1');
    assert.equal(echo.headers['x-forwarded-proto'], 'https');
    assert.equal(echo.headers['x-forwarded-for'], '127.0.0.1');
    assert.equal(answer.headers['strict-transport-security'], hsts);
    // The wildcard certificate and route.
    const wild = await httpsSend(httpsPort, { ca: ca.ca, servername: 'x.w.test' });
    assert.equal(parseEcho(wild).headers['x-forwarded-proto'], 'https');
    // The edge's own answer (no route for b.test) carries HSTS too.
    const none = await httpsSend(httpsPort, { ca: ca.ca, servername: 'b.test' });
    assert.equal(none.status, 404);
    assert.equal(none.headers['strict-transport-security'], hsts);
    const counters = await started.edge.readCounters();
    assert.equal(counters['web#0']?.requests, before + 1);
    assert.ok((counters['web#1']?.requests ?? 0) >= 1);

    // ws hands its options on to tls.connect (its types leave out servername).
    const wsOptions = { ca: ca.ca, servername: 'a.test', headers: { host: 'a.test' } };
    const socket = new WebSocket(`wss://127.0.0.1:${String(httpsPort)}/chat`, wsOptions);
    try {
      await new Promise<void>((resolve, reject) => { socket.once('open', resolve); socket.once('error', reject); });
      const reply = new Promise<string>((resolve) => { socket.once('message', (data: Buffer) => { resolve(data.toString()); }); });
      socket.send('ping');
      assert.equal(await reply, 'https ping');
    } finally {
      socket.terminate();
    }
  });

  it('redirects plain HTTP with 308 to https:// on the HTTPS port, but answers ACME challenges on HTTP for any host', async () => {
    const port = started.port;
    const get = await send(port, { path: '/some/path?q=1', headers: { host: `A.test:${String(port)}` } });
    assert.equal(get.status, 308);
    assert.equal(get.headers.location, `https://a.test:${String(httpsPort)}/some/path?q=1`);
    const post = await send(port, { method: 'POST', path: '/form', headers: { host: 'x.w.test' }, body: 'a=1' });
    assert.equal(post.status, 308);
    assert.equal(post.headers.location, `https://x.w.test:${String(httpsPort)}/form`);
    const upgrade = await rawHttp(port, 'GET /chat HTTP/1.1\r\nHost: a.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n');
    assert.match(upgrade, /^HTTP\/1\.1 308 /);
    assert.ok(upgrade.includes(`Location: https://a.test:${String(httpsPort)}/chat\r\n`), upgrade);

    await started.edge.setChallenges({ 'tok-1_A': 'tok-1_A.thumbprint', 'tok-2': 'tok-2.thumbprint' });
    for (const host of ['a.test', 'not-routed.example', '127.0.0.1']) {
      const answer = await send(port, { path: '/.well-known/acme-challenge/tok-1_A', headers: { host } });
      assert.equal(answer.status, 200, host);
      assert.equal(answer.body, 'tok-1_A.thumbprint');
      assert.match(String(answer.headers['content-type']), /^text\/plain/);
      assert.equal(answer.headers['strict-transport-security'], undefined);
    }
    assert.equal((await send(port, { path: '/.well-known/acme-challenge/unknown', headers: { host: 'a.test' } })).status, 404);
    // A new set replaces the old one.
    await started.edge.setChallenges({ 'tok-3': 'tok-3.thumbprint' });
    assert.equal((await send(port, { path: '/.well-known/acme-challenge/tok-1_A', headers: { host: 'a.test' } })).status, 404);
    assert.equal((await send(port, { path: '/.well-known/acme-challenge/tok-3', headers: { host: 'a.test' } })).body, 'tok-3.thumbprint');
  });

  it('swaps the certificate set under an open keep-alive connection: it keeps working, new connections get the new certificate', async () => {
    const agent = new HttpsAgent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await httpsSend(httpsPort, { ca: ca.ca, servername: 'a.test', path: '/one', agent });
      assert.equal(first.status, 200);
      assert.equal(first.fingerprint, fingerprintOf(certA));
      const renewed = issue(['a.test']);
      await started.edge.setCerts([renewed, certB, certW]);
      const second = await httpsSend(httpsPort, { ca: ca.ca, servername: 'a.test', path: '/two', agent });
      assert.equal(second.status, 200);
      assert.ok(second.reusedSocket, 'the same keep-alive connection');
      assert.equal(second.fingerprint, fingerprintOf(certA));
      assert.equal(parseEcho(second).url, '/two');
      // New connections (whichever worker takes them) see the new certificate.
      for (let i = 0; i < 4; i++) {
        const fresh = await httpsSend(httpsPort, { ca: ca.ca, servername: 'a.test', path: '/three' });
        assert.equal(fresh.status, 200);
        assert.equal(fresh.fingerprint, fingerprintOf(renewed));
        assert.equal(fresh.reusedSocket, false);
      }
      certA = renewed;
    } finally {
      agent.destroy();
    }
  });

  it('refuses a certificate set with a key that does not match, naming the hosts and not the key; the old set stays', async () => {
    const broken: EdgeCert = { hosts: ['a.test'], cert: certA.cert, key: certB.key };
    const error = await started.edge.setCerts([certB, broken]).then(() => null, (caught: unknown) => caught as Error);
    assert.ok(error !== null, 'setCerts rejects');
    assert.match(error.message, /a\.test/);
    assertNoKey(`${error.message}\n${String(error.stack)}`, issued);
    assert.equal((await handshake(httpsPort, { servername: 'a.test', ca: ca.ca })).fingerprint, fingerprintOf(certA));
    assert.equal((await handshake(httpsPort, { servername: 'x.w.test', ca: ca.ca })).fingerprint, fingerprintOf(certW));
  });

  it('starts a replacement worker with the current certificates and ACME answers', async () => {
    const { edge, port } = started;
    const renewed = issue(['a.test', 'c.test']);
    await edge.setCerts([renewed, certW]);
    await edge.setChallenges({ 'tok-late': 'tok-late.thumbprint' });
    const [victim, survivor] = edgeWorkerPids(edge.pid);
    assert.ok(victim !== undefined && survivor !== undefined);
    process.kill(victim, 'SIGKILL');
    await waitFor('the killed worker gone', () => !isProcessAlive(victim));
    await waitFor('a replacement worker', () => {
      const pids = edgeWorkerPids(edge.pid);
      return pids.length === 2 && !pids.includes(victim) && pids.includes(survivor);
    }, 60_000);
    // Only the replacement accepts now; it got the certificates and answers in its init, not from a relay.
    process.kill(survivor, 'SIGSTOP');
    try {
      assert.equal((await handshake(httpsPort, { servername: 'c.test', ca: ca.ca }, 60_000)).fingerprint, fingerprintOf(renewed));
      assert.equal((await handshake(httpsPort, { servername: 'a.test', ca: ca.ca }, 60_000)).fingerprint, fingerprintOf(renewed));
      await assert.rejects(handshake(httpsPort, { servername: 'b.test', ca: ca.ca }, 60_000), { code: 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE' });
      const answer = await send(port, { path: '/.well-known/acme-challenge/tok-late', headers: { host: 'c.test' } });
      assert.deepEqual([answer.status, answer.body], [200, 'tok-late.thumbprint']);
    } finally {
      process.kill(survivor, 'SIGCONT');
    }
    // Both serve, and both applied the next set.
    await edge.setCerts([certA, certB, certW]);
    assert.equal((await handshake(httpsPort, { servername: 'b.test', ca: ca.ca })).fingerprint, fingerprintOf(certB));
  });
});

describe('the edge process over HTTPS with redirect and HSTS off', () => {
  let ca: TestCa;
  let web: Running;
  let started: StartedEdge;
  let httpsPort: number;
  let certs: EdgeCert[];

  before(async () => {
    ca = createTestCa();
    const a = ca.issue(['a.test']);
    const b = ca.issue(['b.test']);
    certs = [a, b];
    web = await startEchoUpstream('web');
    httpsPort = await freePort();
    // b.test's certificate comes with a's key: the worker skips it (and says so without the key); a.test is served.
    started = await startTestEdge(tlsTable(1, web, 1), { workers: 1, https: { port: httpsPort, redirectHttp: false, hsts: false } }, [a, { hosts: ['b.test'], cert: b.cert, key: a.key }]);
  });
  after(async () => {
    await started.close();
    await web.close();
    assertNoKey(started.stderr(), certs);
    ca.close();
  });

  it('serves plain HTTP as routed, HTTPS without HSTS, and owns the ACME path', async () => {
    const plain = await send(started.port, { path: '/p', headers: { host: 'a.test' } });
    assert.equal(plain.status, 200);
    assert.equal(parseEcho(plain).headers['x-forwarded-proto'], 'http');
    const secure = await httpsSend(httpsPort, { ca: ca.ca, servername: 'a.test' });
    assert.equal(secure.status, 200);
    assert.equal(parseEcho(secure).headers['x-forwarded-proto'], 'https');
    assert.equal(secure.headers['strict-transport-security'], undefined);
    assert.equal((await send(started.port, { path: '/.well-known/acme-challenge/x', headers: { host: 'a.test' } })).status, 404);
  });

  it('skips a start certificate that does not load, reporting its hosts but not its key', async () => {
    await assert.rejects(handshake(httpsPort, { servername: 'b.test', ca: ca.ca }), { code: 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE' });
    // The worker's stderr and the primary's IPC are separate channels: the line may trail the start.
    await waitFor('the skipped certificate reported', () => /certificate for b\.test could not be loaded/.test(started.stderr()));
  });
});

describe('the edge process, HTTPS port in use', () => {
  it('reports EADDRINUSE for the HTTPS port and leaves no process behind', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const httpsPort = (blocker.address() as { port: number }).port;
    const { dir, logDir, runDir } = makeEdgeDir();
    try {
      const result = await startEdgeProcess({
        config: { address: '127.0.0.1', port: await freePort(), workers: 2, logDir, logMaxSize: 1e6, logKeep: 1, https: { port: httpsPort, redirectHttp: true, hsts: true } },
        table: { version: 1, routes: [], trustedProxies: [] }, runDir, startTimeoutMs: 60_000,
      });
      assert.ok(!result.ok);
      assert.equal(result.code, 'EADDRINUSE');
      assert.ok(result.message.includes(`127.0.0.1:${String(httpsPort)} (HTTPS)`), result.message);
      assert.deepEqual(readProcessRecords(runDir), []);
    } finally {
      blocker.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
