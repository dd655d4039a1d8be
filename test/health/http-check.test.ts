import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { checkProbeOnce } from '../../src/health/check-probe-once.js';
import { closeKeptHttpConnections, keptHttpConnections } from '../../src/health/http-check.js';
import { makeProbe, makeTarget } from './probe-helpers.js';

let server: Server;
let port = 0;

before(async () => {
  server = createServer((req, res) => {
    if (req.url === '/ok') res.end('fine');
    else if (req.url === '/down') res.writeHead(503).end(`database down\n${'x'.repeat(1000)}`);
    else if (req.url === '/created') res.writeHead(201).end();
    else if (req.url === '/status') res.end('{"status": "degraded"}');
    else if (req.url === '/big') res.end(`${'a'.repeat(70 * 1024)}MARKER`);
    else if (req.url === '/leak') res.writeHead(500).end('cannot auth with s3cr3t-token-value');
    else if (req.url === '/slow') setTimeout(() => res.end('late'), 1000).unref();
    else if (req.url === '/stream') res.writeHead(200).write('first chunk, and no end');
    else res.writeHead(404).end('no such page');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
after(() => {
  closeKeptHttpConnections();
  server.closeAllConnections();
  server.close();
});

/** A server that answers every request with `answer` (raw bytes), closing after it when `close`; counts connections. */
async function rawServer(answer: string, close = false): Promise<{ port: number; connections: () => number }> {
  let connections = 0;
  const raw = createNetServer((socket) => {
    connections++;
    socket.on('error', () => undefined);
    socket.on('data', () => {
      if (close) socket.end(answer);
      else socket.write(answer);
    });
  });
  await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
  after(() => {
    raw.close();
  });
  return { port: (raw.address() as AddressInfo).port, connections: () => connections };
}

const http = (path: string, extra: { status?: number[]; body?: string } = {}) => ({ path, status: extra.status ?? [], body: extra.body ?? null, port: null });

describe('http check against a real server', () => {
  it('passes on a 2xx when no status is listed', async () => {
    const result = await checkProbeOnce(makeProbe({ kind: 'http', http: http('/ok') }), makeTarget({ port }));
    assert.equal(result.ok, true);
    assert.equal(result.output, 'HTTP 200');
  });

  it('fails on a 503 with the status and the start of the body', async () => {
    const result = await checkProbeOnce(makeProbe({ kind: 'http', http: http('/down') }), makeTarget({ port }));
    assert.equal(result.ok, false);
    assert.match(result.output, /^HTTP 503: database down x+…$/);
    assert.ok(result.output.length <= 'HTTP 503: '.length + 200);
  });

  it('passes only the listed status codes when given', async () => {
    assert.equal((await checkProbeOnce(makeProbe({ kind: 'http', http: http('/down', { status: [503] }) }), makeTarget({ port }))).ok, true);
    assert.equal((await checkProbeOnce(makeProbe({ kind: 'http', http: http('/ok', { status: [201] }) }), makeTarget({ port }))).ok, false);
    assert.equal((await checkProbeOnce(makeProbe({ kind: 'http', http: http('/created') }), makeTarget({ port }))).ok, true);
    assert.equal((await checkProbeOnce(makeProbe({ kind: 'http', http: http('/nothing') }), makeTarget({ port }))).output, 'HTTP 404: no such page');
  });

  it('fails when the body does not match, passes when it does', async () => {
    const wrong = await checkProbeOnce(makeProbe({ kind: 'http', http: http('/status', { body: '"status":\\s*"ok"' }) }), makeTarget({ port }));
    assert.equal(wrong.ok, false);
    assert.equal(wrong.output, 'HTTP 200: body does not match /"status":\\s*"ok"/: {"status": "degraded"}');
    const right = await checkProbeOnce(makeProbe({ kind: 'http', http: http('/status', { body: 'degraded' }) }), makeTarget({ port }));
    assert.equal(right.ok, true);
  });

  it('matches the body only within its first 64 KiB', async () => {
    const result = await checkProbeOnce(makeProbe({ kind: 'http', http: http('/big', { body: 'MARKER' }) }), makeTarget({ port }));
    assert.equal(result.ok, false);
  });

  it('fails an answer slower than the timeout, at the timeout', async () => {
    const result = await checkProbeOnce(makeProbe({ kind: 'http', http: http('/slow'), timeout: '100ms' }), makeTarget({ port }));
    assert.equal(result.ok, false);
    assert.equal(result.output, 'timed out after 100ms');
    assert.ok(result.durationMs >= 95 && result.durationMs < 400, `took ${String(result.durationMs)} ms`);
  });

  it('fails a body that does not end within the timeout', async () => {
    const result = await checkProbeOnce(makeProbe({ kind: 'http', http: http('/stream'), timeout: '100ms' }), makeTarget({ port }));
    assert.equal(result.ok, false);
    assert.equal(result.output, 'timed out after 100ms reading the body of HTTP 200');
  });

  it('reports the error code when nothing listens, and fails without a port', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const refused = await checkProbeOnce(makeProbe({ kind: 'http', http: http('/ok') }), makeTarget({ port: deadPort }));
    assert.equal(refused.ok, false);
    assert.match(refused.output, /ECONNREFUSED/);
    const noPort = await checkProbeOnce(makeProbe({ kind: 'http', http: http('/ok') }), makeTarget({ port: null }));
    assert.match(noPort.output, /no port/);
  });

  it('uses the probe port over the service port', async () => {
    const result = await checkProbeOnce(makeProbe({ kind: 'http', http: { ...http('/ok'), port } }), makeTarget({ port: 1 }));
    assert.equal(result.ok, true);
  });

  it('keeps one connection per port across checks, and a server that went away fails at once', async () => {
    const keepAlive = createServer((_req, res) => res.end('ok'));
    keepAlive.keepAliveTimeout = 60_000;
    let connections = 0;
    keepAlive.on('connection', () => connections++);
    await new Promise<void>((resolve) => keepAlive.listen(0, '127.0.0.1', resolve));
    const target = makeTarget({ port: (keepAlive.address() as AddressInfo).port });
    const probe = makeProbe({ kind: 'http', http: http('/') });
    for (let i = 0; i < 3; i++) assert.equal((await checkProbeOnce(probe, target)).ok, true);
    assert.equal(connections, 1, 'the connection is reused between checks');
    keepAlive.closeAllConnections();
    await new Promise((resolve) => keepAlive.close(resolve));
    const gone = await checkProbeOnce(probe, target);
    assert.equal(gone.ok, false);
    assert.match(gone.output, /ECONNREFUSED/);
  });

  it('retries once on a fresh connection when a kept one fails, and fails when the fresh one does too', async () => {
    // Answers the first request of each connection with keep-alive, then closes without answering the second.
    let connections = 0;
    let answerFresh = true;
    const raw = createNetServer((socket) => {
      connections++;
      let requests = 0;
      socket.on('data', () => {
        requests++;
        if (requests === 1 && answerFresh) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
        else socket.destroy();
      });
    });
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    after(() => raw.close());
    const target = makeTarget({ port: (raw.address() as AddressInfo).port });
    const probe = makeProbe({ kind: 'http', http: http('/') });
    assert.equal((await checkProbeOnce(probe, target)).output, 'HTTP 200');
    assert.equal((await checkProbeOnce(probe, target)).output, 'HTTP 200', 'the failed kept connection is retried fresh');
    assert.equal(connections, 2);
    answerFresh = false;
    const failed = await checkProbeOnce(probe, target);
    assert.equal(failed.ok, false, 'a fresh connection that is closed without an answer fails');
    assert.equal(failed.output, 'ECONNRESET: socket hang up');
  });

  it('does not keep a connection the server answers with Connection: close, nor an HTTP/1.0 one', async () => {
    const closing = createServer((req, res) => {
      if (req.url === '/close') res.setHeader('connection', 'close');
      res.end('ok');
    });
    let connections = 0;
    closing.on('connection', () => connections++);
    await new Promise<void>((resolve) => closing.listen(0, '127.0.0.1', resolve));
    after(() => {
      closing.closeAllConnections();
      closing.close();
    });
    const target = makeTarget({ port: (closing.address() as AddressInfo).port });
    for (let i = 0; i < 2; i++) assert.equal((await checkProbeOnce(makeProbe({ kind: 'http', http: http('/close') }), target)).ok, true);
    assert.equal(connections, 2);
    const old = await rawServer('HTTP/1.0 200 OK\r\n\r\nold but fine', true);
    for (let i = 0; i < 2; i++) assert.equal((await checkProbeOnce(makeProbe({ kind: 'http', http: http('/', { body: 'old but fine' }) }), makeTarget({ port: old.port }))).ok, true);
    assert.equal(old.connections(), 2);
  });

  it('reads chunked bodies, skips interim answers, and matches the body across chunks', async () => {
    const chunked = await rawServer('HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{"st\r\nf;ext=1\r\natus": "healthy\r\n2\r\n"}\r\n0\r\n\r\n');
    const target = makeTarget({ port: chunked.port });
    const right = await checkProbeOnce(makeProbe({ kind: 'http', http: http('/', { body: '"status": "healthy"' }) }), target);
    assert.equal(right.output, 'HTTP 200');
    const wrong = await checkProbeOnce(makeProbe({ kind: 'http', http: http('/', { body: 'degraded' }) }), target);
    assert.equal(wrong.output, 'HTTP 200: body does not match /degraded/: {"status": "healthy"}');
    assert.equal(chunked.connections(), 1, 'a complete chunked answer leaves the connection reusable');
  });

  it('fails closed on what is not an HTTP answer, and on a body cut short', async () => {
    const garbage = await rawServer('SSH-2.0-OpenSSH_9.6\r\n');
    const notHttp = await checkProbeOnce(makeProbe({ kind: 'http', http: http('/') }), makeTarget({ port: garbage.port }));
    assert.equal(notHttp.ok, false);
    assert.match(notHttp.output, /^invalid HTTP response: SSH-2\.0/);
    const short = await rawServer('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this', true);
    const cut = await checkProbeOnce(makeProbe({ kind: 'http', http: http('/') }), makeTarget({ port: short.port }));
    assert.equal(cut.ok, false);
    assert.equal(cut.output, 'HTTP 200, then the connection closed mid-body');
    const badLength = await rawServer('HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n');
    assert.equal((await checkProbeOnce(makeProbe({ kind: 'http', http: http('/') }), makeTarget({ port: badLength.port }))).ok, false);
  });

  it('answers overlapping checks on the same port each on its own connection', async () => {
    const target = makeTarget({ port });
    const results = await Promise.all([1, 2, 3].map(() => checkProbeOnce(makeProbe({ kind: 'http', http: http('/ok') }), target)));
    assert.deepEqual(results.map((r) => r.output), ['HTTP 200', 'HTTP 200', 'HTTP 200']);
    assert.ok(keptHttpConnections() >= 1);
    closeKeptHttpConnections();
    assert.equal(keptHttpConnections(), 0);
  });

  it('blanks secrets from the instance env in the output', async () => {
    const result = await checkProbeOnce(makeProbe({ kind: 'http', http: http('/leak') }), makeTarget({ port, env: { API_TOKEN: 's3cr3t-token-value' } }));
    assert.equal(result.output, 'HTTP 500: cannot auth with <redacted>');
  });
});
