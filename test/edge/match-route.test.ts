import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EdgeRoute, RouteTable } from '../../src/edge/edge-types.js';
import { compileRouteTable, matchRoute } from '../../src/edge/match-route.js';

function route(id: string, host: string | null, path: string, stripPrefix = false): EdgeRoute {
  return { id, host, path, stripPrefix, websocket: true, rateLimit: null, auth: null, maxBody: 1024, target: { kind: 'maintenance', service: id } };
}

const table: RouteTable = {
  version: 1,
  trustedProxies: [],
  routes: [
    route('any-root', null, '/'),
    route('any-api', null, '/api', true),
    route('exact-root', 'app.example.com', '/'),
    route('exact-api', 'app.example.com', '/api'),
    route('exact-api-v2', 'app.example.com', '/api/v2', true),
    route('wild', '*.example.com', '/'),
    route('wild-deep', '*.b.example.com', '/'),
    route('wild-docs', '*.example.com', '/docs'),
    route('trailing', 'trail.test', '/static/', true),
    route('only-admin', 'admin.test', '/admin'),
  ],
};

describe('matchRoute', () => {
  const cases: ReadonlyArray<readonly [host: string | undefined, path: string, id: string | null, forward?: string]> = [
    // Host precedence: exact > wildcard > any host.
    ['app.example.com', '/', 'exact-root'],
    ['x.example.com', '/', 'wild'],
    ['other.test', '/', 'any-root'],
    [undefined, '/', 'any-root'],
    // Longest prefix within a host.
    ['app.example.com', '/api', 'exact-api'],
    ['app.example.com', '/api/users', 'exact-api'],
    ['app.example.com', '/api/v2/users?x=1', 'exact-api-v2', '/users?x=1'],
    ['app.example.com', '/api/v2', 'exact-api-v2', '/'],
    // Segment boundary.
    ['app.example.com', '/apix', 'exact-root'],
    ['app.example.com', '/api/v20', 'exact-api'],
    ['other.test', '/apix', 'any-root'],
    ['other.test', '/api?q=1', 'any-api', '/?q=1'],
    // Port and case ignored; trailing dot.
    ['APP.Example.com:8443', '/api', 'exact-api'],
    ['app.example.com.', '/', 'exact-root'],
    ['[::1]:8080', '/api/x', 'any-api', '/x'],
    // Wildcards: any depth, never the bare domain; the longer suffix first.
    ['a.b.example.com', '/', 'wild-deep'],
    ['c.a.b.example.com', '/', 'wild-deep'],
    ['z.y.example.com', '/', 'wild'],
    ['example.com', '/', 'any-root'],
    ['a.example.com', '/docs/intro', 'wild-docs'],
    // A rank with no matching path falls through to the next.
    ['admin.test', '/admin/users', 'only-admin'],
    ['admin.test', '/', 'any-root'],
    ['admin.test', '/api/x', 'any-api', '/x'],
    // Strip prefix from `/api` leaves `/`; query kept.
    ['other.test', '/api', 'any-api', '/'],
    ['other.test', '/api/x?q=1', 'any-api', '/x?q=1'],
    // A trailing slash in the route's path is the same prefix.
    ['trail.test', '/static', 'trailing', '/'],
    ['trail.test', '/static/app.js', 'trailing', '/app.js'],
    ['trail.test', '/staticx', 'any-root'],
    // Normalized before matching: encoded letters, dot segments and doubled slashes cannot dodge a route.
    ['admin.test', '/%61dmin/users', 'only-admin', '/admin/users'],
    ['admin.test', '/x/../admin', 'only-admin', '/admin'],
    ['admin.test', '/x/%2e%2e/admin', 'only-admin', '/admin'],
    ['admin.test', '//admin', 'only-admin', '/admin'],
    ['other.test', '/../../api/x', 'any-api', '/x'],
    // Not origin-form.
    ['other.test', '*', null],
  ];
  for (const [host, path, id, forward] of cases) {
    it(`${String(host)} ${path} → ${String(id)}`, () => {
      const found = matchRoute(table, host, path);
      assert.equal(found?.route.id ?? null, id);
      if (found !== null) assert.equal(found.forwardPath, forward ?? path);
    });
  }

  it('returns null when nothing matches', () => {
    const narrow: RouteTable = { version: 1, trustedProxies: [], routes: [route('a', 'a.test', '/'), route('w', '*.w.test', '/x')] };
    assert.equal(matchRoute(narrow, 'b.test', '/'), null);
    assert.equal(matchRoute(narrow, undefined, '/'), null);
    assert.equal(matchRoute(narrow, 'q.w.test', '/'), null);
  });

  it('keeps the first of two routes with the same host and path', () => {
    const twice: RouteTable = { version: 1, trustedProxies: [], routes: [route('first', null, '/a'), route('second', null, '/a')] };
    assert.equal(matchRoute(twice, 'h', '/a')?.route.id, 'first');
  });

  it('compiles a table once and gives the same answers as matchRoute', () => {
    const matcher = compileRouteTable(table);
    assert.equal(matcher.table, table);
    for (const [host, path, id] of cases) assert.equal(matcher.match(host, path)?.route.id ?? null, id);
  });

  it('hands back the request path itself when nothing changes (no copy on the common path)', () => {
    const path = '/api/users?page=2';
    const found = matchRoute(table, 'app.example.com', path);
    assert.equal(found?.forwardPath, path);
  });
});
