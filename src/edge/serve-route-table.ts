// The edge server driven by a RouteTable: the compiled matcher as resolver, one rate limiter per limited route (kept
// across table swaps while its limits are unchanged, so a swap does not refill every bucket), static folders served
// by serveStatic, and upstream pools of vanished upstreams closed once their requests finish.
import { createEdgeServer, type EdgeServer, type EdgeServerOptions, type RateLimitHook, type ServeStaticHook } from './edge-server.js';
import type { RouteTable, Upstream } from './edge-types.js';
import { compileRouteTable } from './match-route.js';
import { createRateLimiter, type RateLimiter } from './rate-limiter.js';
import { serveStatic } from './serve-static.js';

export interface TableEdgeServer extends EdgeServer {
  /** Applies a newer table atomically; returns false (and changes nothing) for one not newer than the current. */
  setRouteTable(table: RouteTable): boolean;
}

interface Limiter {
  readonly rps: number;
  readonly burst: number;
  readonly limiter: RateLimiter;
}

const serveStaticRoute: ServeStaticHook = (req, res, route, forwardPath) => {
  if (route.target.kind === 'static') void serveStatic(req, res, route.target, forwardPath);
};

export function createTableEdgeServer(table: RouteTable, options: Omit<EdgeServerOptions, 'resolve' | 'trustedProxies' | 'rateLimit' | 'serveStatic'> = {}): TableEdgeServer {
  let limiters = new Map<string, Limiter>();
  const rateLimit: RateLimitHook = (route, clientIp) => {
    const entry = limiters.get(route.id);
    return entry === undefined ? { allowed: true } : entry.limiter.take(clientIp);
  };
  const server = createEdgeServer({
    ...options,
    resolve: () => null, // replaced by setRouteTable(table) below, before the server can listen

    rateLimit,
    serveStatic: serveStaticRoute,
  }) as TableEdgeServer;
  let version = -Infinity;

  server.setRouteTable = (next) => {
    if (next.version <= version) return false;
    version = next.version;
    const nextLimiters = new Map<string, Limiter>();
    const upstreams: Upstream[] = [];
    for (const route of next.routes) {
      if (route.target.kind === 'service') upstreams.push(...route.target.upstreams);
      if (route.rateLimit === null) continue;
      const { rps, burst } = route.rateLimit;
      const kept = limiters.get(route.id);
      nextLimiters.set(route.id, kept !== undefined && kept.rps === rps && kept.burst === burst ? kept : { rps, burst, limiter: createRateLimiter({ rps, burst }) });
    }
    const nextMatcher = compileRouteTable(next);
    limiters = nextLimiters;
    server.setRouteResolver((host, path) => nextMatcher.match(host, path), next.trustedProxies);
    server.retainUpstreams(upstreams);
    return true;
  };
  server.setRouteTable(table);
  return server;
}
