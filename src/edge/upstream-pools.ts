// One connection pool per upstream `host:port` (upstream-pool.ts), shared by every route that points at it, and the
// choice among a route's replicas: the least busy one, ties broken round robin so idle replicas all get traffic.
import type { Upstream } from './edge-types.js';
import { UpstreamPool, UpstreamTicker, type UpstreamPoolOptions } from './upstream-pool.js';

export type { UpstreamPoolOptions } from './upstream-pool.js';

export const defaultUpstreamPoolOptions: UpstreamPoolOptions = { connections: 128, keepAliveTimeoutMs: 4000, connectTimeoutMs: 5000 };

export interface UpstreamSlot {
  /** `host:port`: what access logs show (never sent to clients). */
  readonly key: string;
  readonly upstream: Upstream;
  readonly pool: UpstreamPool;
  /** Requests dispatched and not yet finished, for least-busy balancing. */
  inflight: number;
  closed: boolean;
}

export interface UpstreamPools {
  /** A route's replica to use, or null when it has none. `avoid` (a slot that just failed) is skipped when another exists. */
  pick(upstreams: readonly Upstream[], avoid: UpstreamSlot | null): UpstreamSlot | null;
  /** Closes the pools of upstreams not in `keep` once their running requests finish. */
  retain(keep: Iterable<Upstream>): void;
  close(): Promise<void>;
}

export function createUpstreamPools(options: UpstreamPoolOptions = defaultUpstreamPoolOptions): UpstreamPools {
  const byKey = new Map<string, UpstreamSlot>();
  // Route tables arrive as fresh objects; this cache saves building a `host:port` string per request.
  let byUpstream = new WeakMap<Upstream, UpstreamSlot>();
  const ticker = new UpstreamTicker();
  let turn = 0;

  function slotFor(upstream: Upstream): UpstreamSlot {
    const cached = byUpstream.get(upstream);
    if (cached !== undefined && !cached.closed) return cached;
    const key = `${upstream.host}:${String(upstream.port)}`;
    let slot = byKey.get(key);
    if (slot === undefined) {
      const copy = { host: upstream.host, port: upstream.port };
      slot = { key, upstream: copy, pool: new UpstreamPool(copy, options, ticker), inflight: 0, closed: false };
      byKey.set(key, slot);
    }
    byUpstream.set(upstream, slot);
    return slot;
  }

  return {
    pick(upstreams, avoid) {
      const count = upstreams.length;
      if (count === 0) return null;
      if (count === 1) return slotFor(upstreams[0] as Upstream);
      const start = turn++ % count;
      if (turn > 0x3fffffff) turn = 0;
      let best: UpstreamSlot | null = null;
      for (let i = 0; i < count; i++) {
        const slot = slotFor(upstreams[(start + i) % count] as Upstream);
        if (slot === avoid) continue;
        if (best === null || slot.inflight < best.inflight) best = slot;
      }
      return best ?? avoid;
    },
    retain(keep) {
      const wanted = new Set<string>();
      for (const upstream of keep) wanted.add(`${upstream.host}:${String(upstream.port)}`);
      for (const [key, slot] of byKey) {
        if (wanted.has(key)) continue;
        slot.closed = true;
        byKey.delete(key);
        slot.pool.close(false);
      }
      byUpstream = new WeakMap();
    },
    close() {
      const slots = [...byKey.values()];
      byKey.clear();
      byUpstream = new WeakMap();
      for (const slot of slots) {
        slot.closed = true;
        slot.pool.close(true);
      }
      return Promise.resolve();
    },
  };
}
