import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { ResolvedStack } from '../../src/config/resolved-stack.js';
import { buildRouteTable } from '../../src/edge/build-route-table.js';
import type { Upstream } from '../../src/edge/edge-types.js';
import { diagnosticsOf, loadText } from '../helpers/temp-stack.js';

function load(yaml: string): { stack: ResolvedStack; dir: string } {
  const result = loadText(yaml);
  assert.ok(result.ok, JSON.stringify(diagnosticsOf(result), null, 2));
  return { stack: result.stack, dir: result.dir };
}

const STACK = `
services:
  web:
    command: node web.js
    http: {}
    routes:
      - { host: App.Example.COM }
      - host: "*.example.com"
        path: /api
        strip_prefix: true
        websocket: false
        rate_limit: { rps: 5 }
        auth: { url: "http://127.0.0.1:9000/check", copy_headers: [X-User] }
        max_body: 1mb
  site:
    static: { dir: public, fallback: index.html }
    routes: [{ path: /app, rate_limit: { rps: 0.5, burst: 3 } }]
  docs:
    static: ./docs
  worker:
    command: node worker.js
edge:
  trusted_proxies: [10.0.0.0/8]
`;

describe('buildRouteTable', () => {
  const upstreams = (service: string): readonly Upstream[] => (service === 'web' ? [{ host: '127.0.0.1', port: 4001 }, { host: '127.0.0.1', port: 4002 }] : []);

  it('turns every route into an edge route with defaults filled in and sizes in bytes', () => {
    const { stack, dir } = load(STACK);
    const table = buildRouteTable(stack, upstreams, 7);
    assert.equal(table.version, 7);
    assert.deepEqual(table.trustedProxies, ['10.0.0.0/8']);
    const webTarget = { kind: 'service', service: 'web', upstreams: [{ host: '127.0.0.1', port: 4001 }, { host: '127.0.0.1', port: 4002 }] };
    assert.deepEqual(table.routes, [
      { id: 'web#0', host: 'app.example.com', path: '/', stripPrefix: false, websocket: true, rateLimit: null, auth: null, maxBody: 10 * 1024 * 1024, target: webTarget },
      {
        id: 'web#1', host: '*.example.com', path: '/api', stripPrefix: true, websocket: false, rateLimit: { rps: 5, burst: 5 },
        auth: { url: 'http://127.0.0.1:9000/check', copyHeaders: ['x-user'] }, maxBody: 1024 * 1024, target: webTarget,
      },
      {
        id: 'site#0', host: null, path: '/app', stripPrefix: false, websocket: true, rateLimit: { rps: 0.5, burst: 3 }, auth: null, maxBody: 10 * 1024 * 1024,
        target: { kind: 'static', service: 'site', dir: join(dir, 'public'), fallback: 'index.html' },
      },
    ]);
  });

  it('gives a static service without routes no route, and a fractional rps a burst of at least one', () => {
    const { stack } = load('services:\n  docs:\n    static: ./docs\n  api:\n    command: node api.js\n    http: {}\n    routes: [{ rate_limit: { rps: 0.25 } }]\n');
    const table = buildRouteTable(stack, () => [], 1);
    assert.deepEqual(table.routes.map((r) => [r.id, r.rateLimit]), [['api#0', { rps: 0.25, burst: 1 }]]);
    assert.deepEqual(table.trustedProxies, []);
  });

  it('is plain JSON: it survives a round trip and shares no arrays with its inputs', () => {
    const { stack } = load(STACK);
    const live: Upstream[] = [{ host: '127.0.0.1', port: 4001 }];
    const table = buildRouteTable(stack, () => live, 2);
    assert.deepEqual(JSON.parse(JSON.stringify(table)), table);
    live.push({ host: '127.0.0.1', port: 4003 });
    const target = table.routes[0]!.target;
    assert.ok(target.kind === 'service');
    assert.equal(target.upstreams.length, 1);
  });

  it('has no trusted proxies when there is no edge section', () => {
    const { stack } = load('services:\n  worker:\n    command: node w.js\n');
    assert.deepEqual(buildRouteTable(stack, () => [], 3), { version: 3, routes: [], trustedProxies: [] });
  });
});
