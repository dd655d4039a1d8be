import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import type { RouteTable } from '../../src/edge/edge-types.js';
import { createTableEdgeServer } from '../../src/edge/serve-route-table.js';
import { makeRoute, parseEcho, send, serviceTarget, startEchoUpstream } from './edge-fixtures.js';

describe('the edge driven by a route table', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-edge-'));
  after(() => { rmSync(dir, { recursive: true, force: true }); });

  it('routes with the compiled matcher, serves static folders, rate-limits, and applies only newer tables', async () => {
    writeFileSync(join(dir, 'index.html'), '<h1>hi</h1>');
    const api = await startEchoUpstream('api');
    const other = await startEchoUpstream('other');
    const table = (version: number, upstream: typeof api): RouteTable => ({
      version,
      trustedProxies: [],
      routes: [
        makeRoute({ id: 'api#0', host: 'app.test', path: '/api', stripPrefix: true, rateLimit: { rps: 1, burst: 2 }, target: serviceTarget(upstream.upstream) }),
        makeRoute({ id: 'site#0', host: 'app.test', path: '/', target: { kind: 'static', service: 'site', dir, fallback: 'index.html' } }),
      ],
    });
    const edge = createTableEdgeServer(table(1, api));
    await new Promise<void>((resolve) => edge.listen(0, '127.0.0.1', resolve));
    const port = (edge.address() as AddressInfo).port;
    try {
      const proxied = parseEcho(await send(port, { path: '/api/users?x=1', headers: { host: 'APP.test:443' } }));
      assert.deepEqual([proxied.name, proxied.url], ['api', '/users?x=1']);
      const page = await send(port, { path: '/', headers: { host: 'app.test' } });
      assert.deepEqual([page.status, page.body], [200, '<h1>hi</h1>']);
      await send(port, { path: '/api/x', headers: { host: 'app.test' } });
      const limited = await send(port, { path: '/api/x', headers: { host: 'app.test' } });
      assert.equal(limited.status, 429);
      assert.ok(Number(limited.headers['retry-after']) >= 1);

      assert.equal(edge.setRouteTable(table(1, other)), false);
      assert.equal(edge.setRouteTable(table(2, other)), true);
      // Same limits: the bucket survives the swap, so the client is still limited.
      assert.equal((await send(port, { path: '/api/x', headers: { host: 'app.test' } })).status, 429);
      assert.equal((await send(port, { path: '/x', headers: { host: 'nope.test' } })).status, 404);
    } finally {
      await edge.closeEdge();
      await api.close();
      await other.close();
    }
  });
});
