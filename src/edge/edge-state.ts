// What every request handler of one edge server (both listeners) shares: the current resolver, trusted proxies and
// ACME answers (swapped by assignment), the upstream pools, the hooks, the per-route counters and the HTTPS settings.
import type { Socket } from 'node:net';
import { createRouteCounters, type AccessSink, type RouteCounters } from './access-record.js';
import type { EdgeHttpsConfig } from './edge-ipc.js';
import type { EdgeServerOptions, RateLimitHook, RouteResolver, ServeStaticHook } from './edge-server.js';
import type { ProxySettings } from './proxy-request.js';
import type { Tunnel } from './proxy-websocket.js';
import { compileTrustedProxies, type TrustedProxies } from './trusted-proxies.js';
import type { UpstreamPools, UpstreamSlot } from './upstream-pools.js';

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
  /** Open WebSocket tunnels by client socket, closed with the server; each knows its upstream slot (for drains). */
  readonly tunnels: Map<Socket, Tunnel>;
  /** Every upstream slot handed out and still open or busy, including slots of upstreams a table swap retired
   * (their requests run on): what a drain counts. Pruned by pruneSlots. */
  readonly slots: Set<UpstreamSlot>;
  /** The HTTPS listener's settings (null: plain HTTP only, no redirect, no HSTS). */
  readonly https: EdgeHttpsConfig | null;
  /** ACME HTTP-01 answers by token, swapped by assignment. */
  challenges: ReadonlyMap<string, string>;
}

/** Wraps `pick` so every slot a request or tunnel gets is remembered in `slots`. */
function trackSlots(pools: UpstreamPools, slots: Set<UpstreamSlot>): UpstreamPools {
  return {
    ...pools,
    pick(upstreams, avoid) {
      const slot = pools.pick(upstreams, avoid);
      if (slot !== null) slots.add(slot);
      return slot;
    },
  };
}

export function createEdgeState(options: EdgeServerOptions, basePools: UpstreamPools): EdgeState {
  const slots = new Set<UpstreamSlot>();
  const pools = trackSlots(basePools, slots);
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
    tunnels: new Map(),
    slots,
    https: options.https ?? null,
    challenges: new Map(),
  };
}

/** Forgets slots that are closed and idle (nothing can use them again). */
export function pruneSlots(state: EdgeState): void {
  for (const slot of state.slots) if (slot.closed && slot.inflight === 0) state.slots.delete(slot);
}

/** Requests and WebSocket tunnels open to upstreams with these `host:port` keys. */
export function countOpen(state: EdgeState, keys: ReadonlySet<string>): { requests: number; webSockets: number } {
  pruneSlots(state);
  let inflight = 0;
  for (const slot of state.slots) if (keys.has(slot.key)) inflight += slot.inflight;
  let webSockets = 0;
  for (const tunnel of state.tunnels.values()) if (keys.has(tunnel.slot.key)) webSockets++;
  // A tunnel counts in its slot's inflight too.
  return { requests: Math.max(0, inflight - webSockets), webSockets };
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
