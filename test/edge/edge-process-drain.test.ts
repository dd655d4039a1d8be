import assert from 'node:assert/strict';
import { Agent, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import type { RouteTable, Upstream } from '../../src/edge/edge-types.js';
import { makeRoute, parseEcho, send, serviceTarget, startEchoUpstream, startUpstream, type Running } from './edge-fixtures.js';
import { startTestEdge, waitFor, webTable, type StartedEdge } from './edge-process-fixtures.js';

describe('the edge process: table swaps and drains', () => {
  let a: Running;
  let b: Running;
  let started: StartedEdge;
  let version = 1;
  const nextTable = (...upstreams: Upstream[]): RouteTable => webTable(++version, ...upstreams);

  before(async () => {
    a = await startEchoUpstream('a');
    b = await startEchoUpstream('b');
    started = await startTestEdge(webTable(1, a.upstream), { workers: 2 });
  });
  after(async () => {
    await started.close();
    await a.close();
    await b.close();
  });

  it('swaps the upstream of a route under keep-alive load with no failed request', async () => {
    const { edge, port } = started;
    await edge.setTable(nextTable(a.upstream));
    let running = true;
    let finalSwapDone = false;
    let sent = 0;
    const failures: string[] = [];
    const afterFinal: string[] = [];
    const names = new Set<string>();
    const loop = async (): Promise<void> => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      try {
        while (running) {
          const afterSwap = finalSwapDone;
          try {
            const answer = await send(port, { path: '/load', agent });
            if (answer.status !== 200) failures.push(`status ${String(answer.status)}: ${answer.body}`);
            else {
              const name = parseEcho(answer).name;
              names.add(name);
              if (afterSwap) afterFinal.push(name);
            }
          } catch (error) {
            failures.push(String(error));
          }
          sent++;
        }
      } finally {
        agent.destroy();
      }
    };
    const loops = [loop(), loop(), loop(), loop()];
    try {
      for (let swap = 0; swap < 6; swap++) {
        const mark = sent;
        await waitFor('requests between swaps', () => sent >= mark + 20);
        await edge.setTable(nextTable(swap % 2 === 0 ? b.upstream : a.upstream));
      }
      const mark = sent;
      await waitFor('requests under the last table', () => sent >= mark + 20);
      await edge.setTable(nextTable(b.upstream));
      finalSwapDone = true;
      const last = sent;
      await waitFor('requests after the final swap', () => sent >= last + 40);
    } finally {
      running = false;
      await Promise.all(loops);
    }
    assert.deepEqual(failures, []);
    assert.deepEqual([...names].sort(), ['a', 'b']);
    assert.ok(afterFinal.length >= 20);
    assert.deepEqual([...new Set(afterFinal)], ['b']);
  });

  it('drain reports once the requests still running on the old upstream finish', async () => {
    const { edge, port } = started;
    const held: ServerResponse[] = [];
    const slow = await startUpstream((_req, res) => { held.push(res); });
    try {
      await edge.setTable(nextTable(slow.upstream));
      const answers = [send(port, { path: '/slow/1' }), send(port, { path: '/slow/2' })];
      await waitFor('both requests at the old upstream', () => held.length === 2);
      await edge.setTable(nextTable(b.upstream));
      let drained = false;
      const drain = edge.drain([slow.upstream], 60_000).then((result) => { drained = true; return result; });
      // New requests already go to the new upstream while the old ones run.
      assert.equal(parseEcho(await send(port, { path: '/new' })).name, 'b');
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(drained, false, 'drain waits for the running requests');
      // The two requests may reach the upstream in either order (two connections, two workers).
      const heldFor = (url: string): ServerResponse | undefined => held.find((res) => res.req.url === url);
      heldFor('/slow/1')?.end('one');
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(drained, false, 'one request is still running');
      heldFor('/slow/2')?.end('two');
      assert.deepEqual(await drain, { forced: false, webSocketsClosed: 0, requestsLeft: 0 });
      assert.deepEqual((await Promise.all(answers)).map((answer) => [answer.status, answer.body]), [[200, 'one'], [200, 'two']]);
      // Nothing open to it: a second drain answers at once.
      assert.deepEqual(await edge.drain([slow.upstream], 60_000), { forced: false, webSocketsClosed: 0, requestsLeft: 0 });
    } finally {
      for (const res of held) res.destroy();
      await slow.close();
    }
  });

  it('drain at the deadline closes the old upstream\'s WebSockets with code 1001 on both sides', async () => {
    const { edge, port } = started;
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => { wss.once('listening', resolve); });
    const wsUpstream = { host: '127.0.0.1', port: (wss.address() as AddressInfo).port };
    const upstreamClosed = new Promise<number>((resolve) => {
      wss.on('connection', (socket) => {
        socket.on('message', (data) => { socket.send(`echo: ${(data as Buffer).toString()}`); });
        socket.on('close', (code) => { resolve(code); });
      });
    });
    let client: WebSocket | null = null;
    try {
      await edge.setTable({ version: ++version, trustedProxies: [], routes: [makeRoute({ id: 'ws#0', websocket: true, target: serviceTarget(wsUpstream) })] });
      const ws = new WebSocket(`ws://127.0.0.1:${String(port)}/socket`);
      client = ws;
      await new Promise<void>((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
      const clientClosed = new Promise<number>((resolve) => { ws.once('close', (code) => { resolve(code); }); });
      const echoed = new Promise<string>((resolve) => { ws.once('message', (data) => { resolve((data as Buffer).toString()); }); });
      ws.send('hi');
      assert.equal(await echoed, 'echo: hi');

      await edge.setTable(nextTable(b.upstream));
      const result = await edge.drain([wsUpstream], 300);
      assert.deepEqual(result, { forced: true, webSocketsClosed: 1, requestsLeft: 0 });
      assert.equal(await clientClosed, 1001);
      assert.equal(await upstreamClosed, 1001);
    } finally {
      client?.terminate();
      await new Promise<void>((resolve) => { wss.close(() => { resolve(); }); for (const socket of wss.clients) socket.terminate(); });
    }
  });
});
