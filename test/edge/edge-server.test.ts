import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { after, describe, it } from 'node:test';
import type { AccessEntry } from '../../src/edge/access-record.js';
import type { RouteResolver } from '../../src/edge/edge-server.js';
import { makeRoute, parseEcho, resolveByHost, send, serviceTarget, startEchoUpstream, startEdge, startUpstream, type Running } from './edge-fixtures.js';

describe('the edge server', () => {
  const closers: (() => Promise<void>)[] = [];
  after(async () => {
    for (const close of closers.reverse()) await close();
  });
  async function started<T extends { close(): Promise<void> }>(run: Promise<T>): Promise<T> {
    const running = await run;
    closers.push(() => running.close());
    return running;
  }

  it('answers an unknown host with a plain 404 that names nothing', async () => {
    const edge = await started(startEdge({ resolve: () => null }));
    const answer = await send(edge.port, { path: '/admin', headers: { host: 'nope.test' } });
    assert.equal(answer.status, 404);
    assert.equal(answer.body, 'Not Found\n');
    assert.equal(answer.headers.server, undefined);
    assert.equal(answer.headers['x-powered-by'], undefined);
  });

  it('answers maintenance routes with 503, static routes through the hook (500 without one)', async () => {
    const maintenance = makeRoute({ id: 'web#0', target: { kind: 'maintenance', service: 'web' } });
    const files = makeRoute({ id: 'site#0', stripPrefix: true, target: { kind: 'static', service: 'site', dir: '/srv', fallback: null } });
    const resolve: RouteResolver = (host, path) => host === 'm.test' ? { route: maintenance, forwardPath: path } : { route: files, forwardPath: path.slice(4) };
    const bare = await started(startEdge({ resolve }));
    assert.equal((await send(bare.port, { headers: { host: 'm.test' } })).status, 503);
    assert.equal((await send(bare.port, { path: '/app/x.css', headers: { host: 's.test' } })).status, 500);
    const withHook = await started(startEdge({ resolve, serveStatic: (_req, res, route, forwardPath) => { res.end(`${route.id} ${forwardPath}`); } }));
    assert.equal((await send(withHook.port, { path: '/app/x.css', headers: { host: 's.test' } })).body, 'site#0 /x.css');
  });

  it('answers 429 with Retry-After when the rate-limit hook refuses, and only for limited routes', async () => {
    const upstream = await started(startEchoUpstream('a'));
    const seen: string[] = [];
    let calls = 0;
    const edge = await started(startEdge({
      resolve: resolveByHost({
        'l.test': makeRoute({ id: 'l#0', rateLimit: { rps: 1, burst: 2 }, target: serviceTarget(upstream.upstream) }),
        'u.test': makeRoute({ id: 'u#0', target: serviceTarget(upstream.upstream) }),
      }),
      rateLimit: (route, clientIp) => {
        seen.push(`${route.id} ${clientIp}`);
        return ++calls <= 2 ? { allowed: true } : { allowed: false, retryAfterSeconds: 1.2 };
      },
    }));
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await send(edge.port, { headers: { host: 'l.test' } })).status);
    assert.deepEqual(statuses, [200, 200, 429]);
    const refused = await send(edge.port, { headers: { host: 'l.test' } });
    assert.equal(refused.headers['retry-after'], '2');
    assert.equal((await send(edge.port, { headers: { host: 'u.test' } })).status, 200);
    assert.deepEqual(new Set(seen), new Set(['l#0 127.0.0.1']));
  });

  it('gates requests through the auth service (nginx auth_request semantics)', async () => {
    const upstream = await started(startEchoUpstream('app'));
    const authCalls: { method: string; uri: string; body: string }[] = [];
    const auth = await started(startUpstream((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => { body += chunk.toString(); });
      req.on('end', () => {
        authCalls.push({ method: req.method ?? '', uri: String(req.headers['x-original-uri']), body });
        const token = req.headers.authorization;
        if (token === 'Bearer good') res.writeHead(204, { 'x-user': 'alice', 'x-role': 'admin', 'x-not-copied': 'no' }).end();
        else if (token === 'Bearer bad') res.writeHead(401, { 'www-authenticate': 'Bearer', 'content-type': 'text/plain' }).end('who are you?');
        else if (token === 'Bearer banned') res.writeHead(403).end('go away');
        else res.writeHead(302, { location: '/login' }).end();
      });
    }));
    const edge = await started(startEdge({
      resolve: resolveByHost({ 'a.test': makeRoute({ auth: { url: `http://127.0.0.1:${String(auth.port)}/check`, copyHeaders: ['X-User', 'X-Role'] }, target: serviceTarget(upstream.upstream) }) }),
    }));
    const passed = await send(edge.port, { method: 'POST', path: '/things?id=1', headers: { host: 'a.test', authorization: 'Bearer good', 'x-user': 'mallory' }, body: 'payload' });
    assert.equal(passed.status, 200);
    const echo = parseEcho(passed);
    assert.equal(echo.headers['x-user'], 'alice');
    assert.equal(echo.headers['x-role'], 'admin');
    assert.equal(echo.headers['x-not-copied'], undefined);
    assert.equal(echo.body, 'payload');
    assert.deepEqual(authCalls[0], { method: 'GET', uri: '/things?id=1', body: '' });

    const denied = await send(edge.port, { headers: { host: 'a.test', authorization: 'Bearer bad' } });
    assert.deepEqual([denied.status, denied.body, denied.headers['www-authenticate']], [401, 'who are you?', 'Bearer']);
    const banned = await send(edge.port, { headers: { host: 'a.test', authorization: 'Bearer banned' } });
    assert.deepEqual([banned.status, banned.body], [403, 'go away']);
    const odd = await send(edge.port, { headers: { host: 'a.test' } });
    assert.deepEqual([odd.status, odd.body], [500, 'Internal Server Error\n']);
  });

  it('counts per route and reports each request to onAccess', async () => {
    const upstream = await started(startEchoUpstream('a'));
    const entries: AccessEntry[] = [];
    const edge = await started(startEdge({
      resolve: resolveByHost({ 'a.test': makeRoute({ id: 'web#0', target: serviceTarget(upstream.upstream) }) }),
      onAccess: (entry) => entries.push(entry),
    }));
    await send(edge.port, { path: '/one', headers: { host: 'a.test' } });
    await send(edge.port, { method: 'POST', path: '/two', headers: { host: 'a.test' }, body: 'x' });
    await send(edge.port, { path: '/three', headers: { host: 'other.test' } });
    const counters = edge.edge.readRouteCounters()['web#0'];
    assert.equal(counters?.requests, 2);
    assert.equal(counters.status2xx, 2);
    assert.ok(counters.bytesSent > 100);
    assert.deepEqual(entries.map((e) => [e.method, e.path, e.status, e.routeId, e.upstream]), [
      ['GET', '/one', 200, 'web#0', `127.0.0.1:${String(upstream.port)}`],
      ['POST', '/two', 200, 'web#0', `127.0.0.1:${String(upstream.port)}`],
      ['GET', '/three', 404, null, null],
    ]);
    for (const entry of entries) assert.ok(entry.bytes > 0 && entry.durationMs >= 0 && entry.time > 0);
  });

  it('swaps the route table under load with zero failed requests', { timeout: 60_000 }, async () => {
    const blue: Running = await started(startEchoUpstream('blue'));
    const green: Running = await started(startEchoUpstream('green'));
    const routeTo = (upstream: Running): RouteResolver => resolveByHost({ 'app.test': makeRoute({ target: serviceTarget(upstream.upstream) }) });
    const edge = await started(startEdge({ resolve: routeTo(blue) }));
    const agent = new Agent({ keepAlive: true, maxSockets: 20 });
    const seen = new Map<string, number>();
    const failures: string[] = [];
    let done = 0;
    let swaps = 0;
    const worker = async (): Promise<void> => {
      while (done < 2000) {
        done++;
        try {
          const answer = await send(edge.port, { path: `/n/${String(done)}`, headers: { host: 'app.test' }, agent });
          if (answer.status !== 200) failures.push(`${String(answer.status)} ${answer.body}`);
          else seen.set(parseEcho(answer).name, (seen.get(parseEcho(answer).name) ?? 0) + 1);
        } catch (error) {
          failures.push(String(error));
        }
        // Swap every 250 requests, while the other 19 connections have requests in flight.
        if (done % 250 === 0) edge.edge.setRouteResolver(routeTo(++swaps % 2 === 1 ? green : blue));
      }
    };
    await Promise.all(Array.from({ length: 20 }, worker));
    agent.destroy();
    assert.deepEqual(failures, []);
    assert.ok(swaps >= 6, `only ${String(swaps)} swaps`);
    assert.ok((seen.get('blue') ?? 0) > 100 && (seen.get('green') ?? 0) > 100, JSON.stringify([...seen]));
  });
});
