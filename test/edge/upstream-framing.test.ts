import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import { makeRoute, parseEcho, resolveByHost, send, serviceTarget, startEchoUpstream, startEdge } from './edge-fixtures.js';

/** A raw TCP upstream: `answer` gets each request head (bodiless requests only) and writes whatever bytes it likes.
 * Counts connections, so a test can tell whether the edge reused one. */
async function rawUpstream(answer: (socket: Socket, head: string, index: number) => void): Promise<{ port: number; connections: () => number; close(): Promise<void> }> {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffered = '';
    let index = 0;
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      for (let end = buffered.indexOf('\r\n\r\n'); end >= 0; end = buffered.indexOf('\r\n\r\n')) {
        const head = buffered.slice(0, end);
        buffered = buffered.slice(end + 4);
        answer(socket, head, index++);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => connections,
    close: () => new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => { resolve(); });
    }),
  };
}

/** Writes `parts` one after another with a pause between, so the edge reads them as separate chunks. */
async function dribble(socket: Socket, parts: readonly string[]): Promise<void> {
  for (const part of parts) {
    socket.write(part, 'latin1');
    await sleep(15);
  }
}

describe('upstream response framing (the edge\'s own HTTP/1.1 client)', () => {
  const closers: (() => Promise<void>)[] = [];
  after(async () => {
    for (const close of closers.reverse()) await close();
  });

  async function edgeTo(port: number, extra: { upstreamBodyTimeoutMs?: number } = {}): Promise<number> {
    const edge = await startEdge({ resolve: resolveByHost({ 'u.test': makeRoute({ target: serviceTarget({ host: '127.0.0.1', port }) }) }), ...extra });
    closers.push(() => edge.close());
    return edge.port;
  }
  async function upstream(answer: Parameters<typeof rawUpstream>[0]): Promise<Awaited<ReturnType<typeof rawUpstream>>> {
    const running = await rawUpstream(answer);
    closers.push(() => running.close());
    return running;
  }

  it('decodes a chunked body split at awkward places, with extensions and trailers, skips 1xx answers, and reuses the connection', async () => {
    const up = await upstream((socket) => {
      void dribble(socket, [
        'HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-',
        'Encoding: chunked\r\nX-Up: 1\r\n\r\n5;name=value\r\nhel',
        'lo\r',
        '\n6\r\n world\r\n0\r\nX-Trailer: t\r\n',
        '\r\n',
      ]);
    });
    const port = await edgeTo(up.port);
    for (let i = 0; i < 2; i++) {
      const answer = await send(port, { headers: { host: 'u.test' } });
      assert.equal(answer.status, 200);
      assert.equal(answer.body, 'hello world');
      assert.equal(answer.headers['x-up'], '1');
      assert.equal(answer.headers.link, undefined, 'the 103 stays between the edge and the upstream');
    }
    assert.equal(up.connections(), 1);
  });

  it('reads a body without Content-Length or chunked coding until the upstream closes, then uses a new connection', async () => {
    const up = await upstream((socket) => {
      socket.end('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it');
    });
    const port = await edgeTo(up.port);
    assert.equal((await send(port, { headers: { host: 'u.test' } })).body, 'all of it');
    assert.equal((await send(port, { headers: { host: 'u.test' } })).body, 'all of it');
    assert.equal(up.connections(), 2);
  });

  it('expects no body after HEAD, 204 and 304 whatever Content-Length says, and keeps the connection in step', async () => {
    const up = await upstream((socket, head) => {
      if (head.startsWith('HEAD')) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n');
      else if (head.includes('/204')) socket.write('HTTP/1.1 204 No Content\r\n\r\n');
      else socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    });
    const port = await edgeTo(up.port);
    const headAnswer = await send(port, { method: 'HEAD', headers: { host: 'u.test' } });
    assert.equal(headAnswer.status, 200);
    assert.equal(headAnswer.headers['content-length'], '10');
    assert.equal((await send(port, { path: '/204', headers: { host: 'u.test' } })).status, 204);
    const next = await send(port, { headers: { host: 'u.test' } });
    assert.deepEqual([next.status, next.body], [200, 'ok']);
    assert.equal(up.connections(), 1);
  });

  it('answers 502 for ambiguous or malformed framing and never reuses that connection', async () => {
    const bad = [
      'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n',
      'HTTP/1.1 200 OK\r\nX-Folded: a\r\n b\r\nContent-Length: 0\r\n\r\n',
      'HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n',
      'HTTP/1.1 200 OK\r\nX-Bare: a\nContent-Length: 0\r\n\r\n',
      'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n',
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n',
      'HTTP/2 200\r\n\r\n',
    ];
    const up = await upstream((socket, head) => {
      const index = Number(/GET \/(\d+)/.exec(head)?.[1] ?? -1);
      socket.write(bad[index] ?? 'HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ngood');
    });
    const port = await edgeTo(up.port);
    for (let i = 0; i < bad.length; i++) {
      const answer = await send(port, { path: `/${String(i)}`, headers: { host: 'u.test' } });
      assert.equal(answer.status, 502, `case ${String(i)}: ${JSON.stringify(bad[i])}`);
    }
    // Each refused answer closed its connection (and is not retried: the upstream did answer).
    assert.equal(up.connections(), bad.length);
    assert.equal((await send(port, { path: '/ok', headers: { host: 'u.test' } })).body, 'good');
  });

  it('cuts the client connection when a chunked body turns malformed after the head went out', async () => {
    const up = await upstream((socket) => {
      socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\nzz\r\n');
    });
    const port = await edgeTo(up.port);
    await assert.rejects(send(port, { headers: { host: 'u.test' } }), /socket hang up|ECONNRESET|aborted/);
  });

  it('drops bytes sent after the end of a response and does not reuse that connection', async () => {
    const up = await upstream((socket) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nsmuggled');
    });
    const port = await edgeTo(up.port);
    assert.equal((await send(port, { headers: { host: 'u.test' } })).body, 'ok');
    assert.equal((await send(port, { headers: { host: 'u.test' } })).body, 'ok');
    assert.equal(up.connections(), 2);
  });

  it('cuts the client connection when the upstream falls silent inside a body', async () => {
    const up = await upstream((socket) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial');
    });
    const port = await edgeTo(up.port, { upstreamBodyTimeoutMs: 300 });
    const started = Date.now();
    await assert.rejects(send(port, { headers: { host: 'u.test' } }));
    assert.ok(Date.now() - started < 2500);
  });

  it('sends a chunked request body on as chunked, and a Content-Length body as it is', async () => {
    const echo = await startEchoUpstream('e');
    closers.push(() => echo.close());
    const port = await edgeTo(echo.port);
    const chunked = parseEcho(await send(port, { method: 'POST', headers: { host: 'u.test', 'transfer-encoding': 'chunked' }, body: 'x'.repeat(70_000) }));
    assert.equal(chunked.body.length, 70_000);
    assert.equal(chunked.headers['transfer-encoding'], 'chunked');
    const sized = parseEcho(await send(port, { method: 'PUT', headers: { host: 'u.test', 'content-length': '5' }, body: 'sized' }));
    assert.deepEqual([sized.body, sized.headers['content-length'], sized.headers['transfer-encoding']], ['sized', '5', undefined]);
  });
});
