import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { checkProbeOnce } from '../../src/health/check-probe-once.js';
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
  server.closeAllConnections();
  server.close();
});

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

  it('opens a fresh connection every time, so a server that went away fails at once', async () => {
    const keepAlive = createServer((_req, res) => res.end('ok'));
    keepAlive.keepAliveTimeout = 60_000;
    let connections = 0;
    keepAlive.on('connection', () => connections++);
    await new Promise<void>((resolve) => keepAlive.listen(0, '127.0.0.1', resolve));
    const target = makeTarget({ port: (keepAlive.address() as AddressInfo).port });
    const probe = makeProbe({ kind: 'http', http: http('/') });
    for (let i = 0; i < 3; i++) assert.equal((await checkProbeOnce(probe, target)).ok, true);
    assert.equal(connections, 3, 'no socket is reused between checks');
    keepAlive.closeAllConnections();
    await new Promise((resolve) => keepAlive.close(resolve));
    assert.equal((await checkProbeOnce(probe, target)).ok, false);
  });

  it('blanks secrets from the instance env in the output', async () => {
    const result = await checkProbeOnce(makeProbe({ kind: 'http', http: http('/leak') }), makeTarget({ port, env: { API_TOKEN: 's3cr3t-token-value' } }));
    assert.equal(result.output, 'HTTP 500: cannot auth with <redacted>');
  });
});
