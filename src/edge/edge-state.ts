// What every request handler of one edge server shares: the current resolver and trusted proxies (swapped by
// assignment), the upstream pools, the hooks and the per-route counters.
import type { Socket } from 'node:net';
import { createRouteCounters, type AccessSink, type RouteCounters } from './access-record.js';
import type { EdgeServerOptions, RateLimitHook, RouteResolver, ServeStaticHook } from './edge-server.js';
import type { ProxySettings } from './proxy-request.js';
import { compileTrustedProxies, type TrustedProxies } from './trusted-proxies.js';
import type { UpstreamPools } from './upstream-pools.js';

export interface EdgeState {
  resolve: RouteResolver;
  trusted: TrustedProxies;
  readonly pools: UpstreamPools;
  readonly proxy: ProxySettings;
  readonly counters: Map<string, RouteCounters>;
  readonly serveStatic: ServeStaticHook | undefined;
  readonly rateLimit: RateLimitHook | undefined;
  readonly onAccess: AccessSink | undefined;
  readonly authTimeoutMs: number;
  /** Open WebSocket tunnels (client sides), closed with the server. */
  readonly tunnels: Set<Socket>;
}

export function createEdgeState(options: EdgeServerOptions, pools: UpstreamPools): EdgeState {
  return {
    resolve: options.resolve,
    trusted: compileTrustedProxies(options.trustedProxies ?? []),
    pools,
    proxy: { pools, headersTimeoutMs: options.upstreamHeadersTimeoutMs ?? 60_000, bodyTimeoutMs: options.upstreamBodyTimeoutMs ?? 300_000 },
    counters: new Map(),
    serveStatic: options.serveStatic,
    rateLimit: options.rateLimit,
    onAccess: options.onAccess,
    authTimeoutMs: options.authTimeoutMs ?? 10_000,
    tunnels: new Set(),
  };
}

/** The live counters of a route, created on its first request (ids are stable across route table swaps). */
export function readCountersFor(state: EdgeState, routeId: string): RouteCounters {
  let counters = state.counters.get(routeId);
  if (counters === undefined) {
    counters = createRouteCounters();
    state.counters.set(routeId, counters);
  }
  return counters;
}
