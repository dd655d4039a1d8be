import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import type { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { makeRoute, parseEcho, resolveByHost, send, serviceTarget, startEchoUpstream, startEdge, startUpstream, type Running } from './edge-fixtures.js';

describe('proxying HTTP requests over real sockets', () => {
  const closers: (() => Promise<void>)[] = [];
  after(async () => {
    for (const close of closers.reverse()) await close();
  });

  async function edgeFor(routes: Parameters<typeof resolveByHost>[0], extra: { trustedProxies?: string[]; upstreamHeadersTimeoutMs?: number } = {}): Promise<number> {
    const edge = await startEdge({ resolve: resolveByHost(routes), ...extra });
    closers.push(() => edge.close());
    return edge.port;
  }
  async function upstream(run: Promise<Running>): Promise<Running> {
    const running = await run;
    closers.push(() => running.close());
    return running;
  }

  let a: Running;
  let b: Running;
  before(async () => {
    a = await upstream(startEchoUpstream('a'));
    b = await upstream(startEchoUpstream('b'));
  });

  it('routes by host and forwards method, target and body', async () => {
    const port = await edgeFor({ 'a.test': makeRoute({ target: serviceTarget(a.upstream) }), 'b.test': makeRoute({ target: serviceTarget(b.upstream) }) });
    const first = parseEcho(await send(port, { path: '/x?y=1', headers: { host: 'a.test' } }));
    assert.deepEqual([first.name, first.method, first.url, first.headers.host], ['a', 'GET', '/x?y=1', 'a.test']);
    const second = parseEcho(await send(port, { method: 'POST', path: '/p', headers: { host: 'B.test:8080' }, body: 'hello' }));
    assert.deepEqual([second.name, second.method, second.body], ['b', 'POST', 'hello']);
  });

  it('strips hop-by-hop headers both ways, including those named in Connection', async () => {
    const hoppy = await upstream(startUpstream((_req, res) => {
      res.setHeader('connection', 'keep-alive, x-upstream-hop');
      res.setHeader('x-upstream-hop', 'secret');
      res.setHeader('keep-alive', 'timeout=99');
      res.setHeader('x-kept', 'yes');
      res.end(JSON.stringify(_req.headers));
    }));
    const port = await edgeFor({ 'a.test': makeRoute({ target: serviceTarget(a.upstream) }), 'h.test': makeRoute({ target: serviceTarget(hoppy.upstream) }) });
    const sent = { host: 'a.test', connection: 'keep-alive, x-client-hop', 'x-client-hop': '1', 'keep-alive': 'timeout=1', te: 'trailers', 'proxy-connection': 'keep-alive', 'x-end-to-end': 'kept' };
    const seen = parseEcho(await send(port, { headers: sent })).headers;
    for (const name of ['x-client-hop', 'keep-alive', 'te', 'proxy-connection', 'trailer', 'upgrade', 'transfer-encoding']) assert.equal(seen[name], undefined, name);
    assert.notEqual(seen.connection, 'keep-alive, x-client-hop');
    assert.equal(seen['x-end-to-end'], 'kept');
    const answer = await send(port, { headers: { host: 'h.test' } });
    assert.equal(answer.headers['x-upstream-hop'], undefined);
    assert.notEqual(answer.headers['keep-alive'], 'timeout=99');
    assert.equal(answer.headers['x-kept'], 'yes');
  });

  it('overwrites X-Forwarded-* from an untrusted peer and extends them from a trusted one', async () => {
    const spoofed = { host: 'a.test', 'x-forwarded-for': '6.6.6.6', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.test', 'x-real-ip': '6.6.6.6' };
    const untrusted = await edgeFor({ 'a.test': makeRoute({ target: serviceTarget(a.upstream) }) }, { trustedProxies: ['10.0.0.0/8', '::1'] });
    const plain = parseEcho(await send(untrusted, { headers: spoofed })).headers;
    assert.equal(plain['x-forwarded-for'], '127.0.0.1');
    assert.equal(plain['x-forwarded-proto'], 'http');
    assert.equal(plain['x-forwarded-host'], 'a.test');
    assert.equal(plain['x-real-ip'], undefined);
    const trusted = await edgeFor({ 'a.test': makeRoute({ target: serviceTarget(a.upstream) }) }, { trustedProxies: ['127.0.0.0/8'] });
    const chained = parseEcho(await send(trusted, { headers: spoofed })).headers;
    assert.equal(chained['x-forwarded-for'], '6.6.6.6, 127.0.0.1');
    assert.equal(chained['x-forwarded-proto'], 'https');
    assert.equal(chained['x-forwarded-host'], 'evil.test');
  });

  it('answers 413 at once for a Content-Length over max_body, and cuts a chunked body when it goes over', async () => {
    let reached = 0;
    const counting = await upstream(startUpstream((req, res) => {
      reached++;
      req.resume();
      req.on('end', () => res.end('ok'));
    }));
    const port = await edgeFor({ 'a.test': makeRoute({ maxBody: 1000, target: serviceTarget(counting.upstream) }) });
    const big = await send(port, { method: 'POST', headers: { host: 'a.test', 'content-length': '5000' }, body: Buffer.alloc(5000) });
    assert.equal(big.status, 413);
    assert.equal(reached, 0);
    const fits = await send(port, { method: 'POST', headers: { host: 'a.test', 'transfer-encoding': 'chunked' }, body: Buffer.alloc(900) });
    assert.equal(fits.status, 200);

    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/', agent: false, headers: { host: 'a.test', 'transfer-encoding': 'chunked' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write(Buffer.alloc(600));
      // The second chunk crosses the limit; the client may see the connection close while writing more.
      setTimeout(() => { req.write(Buffer.alloc(600)); }, 50);
    });
    assert.equal(status, 413);
  });

  it('answers 502 with a body that names no address when the upstream is down', async () => {
    const gone = await startUpstream((_req, res) => res.end());
    await gone.close();
    const port = await edgeFor({ 'a.test': makeRoute({ target: serviceTarget(gone.upstream) }) });
    const answer = await send(port, { headers: { host: 'a.test' } });
    assert.equal(answer.status, 502);
    assert.equal(answer.body, 'Bad Gateway\n');
    assert.doesNotMatch(JSON.stringify(answer), new RegExp(`127\\.0\\.0\\.1|${String(gone.port)}`));
  });

  it('answers 504 when the upstream does not send headers in time', async () => {
    const slow = await upstream(startUpstream((_req, res) => { setTimeout(() => res.end('late'), 3000).unref(); }));
    const port = await edgeFor({ 'a.test': makeRoute({ target: serviceTarget(slow.upstream) }) }, { upstreamHeadersTimeoutMs: 300 });
    const started = Date.now();
    const answer = await send(port, { headers: { host: 'a.test' } });
    assert.equal(answer.status, 504);
    assert.equal(answer.body, 'Gateway Timeout\n');
    assert.ok(Date.now() - started < 2500);
  });

  it('retries once when the upstream resets a reused keep-alive connection, for any method with no body sent', async () => {
    const perSocket = new WeakMap<Socket, number>();
    let sockets = 0;
    let handled = 0;
    // Serves the first request of each connection and resets the connection on the second: the keep-alive race,
    // made deterministic.
    const resetting = await upstream(startUpstream((req, res) => {
      const count = (perSocket.get(req.socket) ?? 0) + 1;
      perSocket.set(req.socket, count);
      if (count === 1) sockets++;
      if (count > 1) {
        req.socket.resetAndDestroy();
        return;
      }
      handled++;
      res.end(`served ${req.method ?? ''}`);
    }));
    const port = await edgeFor({ 'a.test': makeRoute({ target: serviceTarget(resetting.upstream) }) });
    for (const method of ['GET', 'POST', 'GET', 'DELETE']) {
      const answer = await send(port, { method, headers: { host: 'a.test' } });
      assert.equal(answer.status, 200, `${method}: ${answer.body}`);
      assert.equal(answer.body, `served ${method}`);
    }
    assert.equal(handled, 4);
    assert.ok(sockets >= 4);
  });

  it('retries a failed fresh connection only for idempotent requests', async () => {
    let seen = 0;
    const crashing = await upstream(startUpstream((req) => {
      seen++;
      req.socket.resetAndDestroy();
    }));
    const port = await edgeFor({ 'a.test': makeRoute({ target: serviceTarget(crashing.upstream) }) });
    assert.equal((await send(port, { method: 'GET', headers: { host: 'a.test' } })).status, 502);
    assert.equal(seen, 2);
    assert.equal((await send(port, { method: 'POST', headers: { host: 'a.test' } })).status, 502);
    assert.equal(seen, 3);
  });

  it('balances replicas', async () => {
    const c = await upstream(startEchoUpstream('c'));
    const port = await edgeFor({ 'r.test': makeRoute({ target: serviceTarget(a.upstream, b.upstream, c.upstream) }) });
    const agent = new Agent({ keepAlive: true, maxSockets: 4 });
    const counts = new Map<string, number>();
    await Promise.all(Array.from({ length: 60 }, async () => {
      const name = parseEcho(await send(port, { headers: { host: 'r.test' }, agent })).name;
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }));
    agent.destroy();
    assert.deepEqual([...counts.keys()].sort(), ['a', 'b', 'c']);
    for (const [name, count] of counts) assert.ok(count >= 10, `${name} got ${String(count)} of 60`);
  });

  it('streams SSE event by event: the first event arrives before the second is written', { timeout: 10_000 }, async () => {
    let releaseSecond = (): void => undefined;
    const secondWritten = new Promise<void>((resolve) => { releaseSecond = resolve; });
    let secondSent = false;
    const sse = await upstream(startUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write('data: one\n\n');
      void secondWritten.then(() => {
        secondSent = true;
        res.end('data: two\n\n');
      });
    }));
    const port = await edgeFor({ 's.test': makeRoute({ target: serviceTarget(sse.upstream) }) });
    const events = await new Promise<string[]>((resolve, reject) => {
      const got: string[] = [];
      request({ host: '127.0.0.1', port, path: '/events', agent: false, headers: { host: 's.test' } }, (res) => {
        res.setEncoding('utf8');
        res.on('data', (text: string) => {
          got.push(`${text.trim()} (second sent: ${String(secondSent)})`);
          if (text.includes('one')) releaseSecond();
        });
        res.on('end', () => { resolve(got); });
      }).on('error', reject).end();
    });
    assert.deepEqual(events, ['data: one (second sent: false)', 'data: two (second sent: true)']);
  });
});
