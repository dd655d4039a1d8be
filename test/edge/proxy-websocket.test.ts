import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import { makeRoute, resolveByHost, serviceTarget, startEdge } from './edge-fixtures.js';

function openClient(port: number, host: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${String(port)}/chat?room=1`, { headers: { host, 'x-forwarded-for': '6.6.6.6' } });
    socket.once('open', () => { resolve(socket); });
    socket.once('error', reject);
  });
}

describe('WebSocket pass-through', () => {
  const upstreamHeaders: IncomingHttpHeaders[] = [];
  const upstreamUrls: string[] = [];
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  wss.on('connection', (socket, req) => {
    upstreamHeaders.push(req.headers);
    upstreamUrls.push(req.url ?? '');
    socket.on('message', (data, binary) => { socket.send(binary ? data : `echo: ${(data as Buffer).toString()}`, { binary }); });
  });
  after(() => new Promise<void>((resolve) => { wss.close(() => { resolve(); }); for (const client of wss.clients) client.terminate(); }));

  it('echoes through the edge, with the edge\'s X-Forwarded-For, and refuses routes without websocket', async () => {
    await new Promise<void>((resolve) => { if (wss.address() !== null) resolve(); else wss.once('listening', resolve); });
    const upstream = { host: '127.0.0.1', port: (wss.address() as AddressInfo).port };
    const edge = await startEdge({
      resolve: resolveByHost({
        'ws.test': makeRoute({ target: serviceTarget(upstream) }),
        'nows.test': makeRoute({ websocket: false, target: serviceTarget(upstream) }),
      }),
    });
    try {
      const client = await openClient(edge.port, 'ws.test');
      const replies: string[] = [];
      const done = new Promise<void>((resolve) => {
        client.on('message', (data) => {
          replies.push((data as Buffer).toString());
          if (replies.length === 3) resolve();
        });
      });
      for (const text of ['one', 'two', 'three']) client.send(text);
      await done;
      assert.deepEqual(replies, ['echo: one', 'echo: two', 'echo: three']);
      const large = Buffer.alloc(1024 * 1024, 7);
      const echoed = await new Promise<Buffer>((resolve) => { client.once('message', (data) => { resolve(data as Buffer); }); client.send(large); });
      assert.equal(Buffer.compare(echoed, large), 0);
      const first = upstreamHeaders[0];
      assert.equal(first?.['x-forwarded-for'], '127.0.0.1');
      assert.equal(first.host, 'ws.test');
      assert.equal(upstreamUrls[0], '/chat?room=1');
      const closed = new Promise<number>((resolve) => { client.once('close', (code) => { resolve(code); }); });
      client.close(1000);
      assert.equal(await closed, 1000);

      await assert.rejects(openClient(edge.port, 'nows.test'), /Unexpected server response: 403/);
      await assert.rejects(openClient(edge.port, 'unknown.test'), /Unexpected server response: 404/);
      assert.equal(upstreamHeaders.length, 1);
    } finally {
      await edge.close();
    }
  });

  it('answers 502 when the upstream is down, and tears the client down when the upstream goes away', async () => {
    const gone = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => gone.once('listening', resolve));
    const upstream = { host: '127.0.0.1', port: (gone.address() as AddressInfo).port };
    const edge = await startEdge({ resolve: resolveByHost({ 'ws.test': makeRoute({ target: serviceTarget(upstream) }) }) });
    try {
      const client = await openClient(edge.port, 'ws.test');
      const closed = new Promise<void>((resolve) => { client.once('close', () => { resolve(); }); });
      for (const socket of gone.clients) socket.terminate();
      await closed;
      await new Promise<void>((resolve) => { gone.close(() => { resolve(); }); });
      await assert.rejects(openClient(edge.port, 'ws.test'), /Unexpected server response: 502/);
    } finally {
      await edge.close();
    }
  });
});
