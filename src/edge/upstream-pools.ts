// One undici Pool per upstream `host:port`, shared by every route that points at it, and the choice among a
// route's replicas: the least busy one, ties broken round robin so idle replicas all get traffic.
import type { Socket } from 'node:net';
import { Client, Pool, buildConnector } from 'undici';
import type { Upstream } from './edge-types.js';

export interface UpstreamPoolOptions {
  /** Most connections per upstream; requests beyond wait in the pool's queue. */
  readonly connections: number;
  /** Idle keep-alive time of an upstream connection. Kept below common server idle timeouts (Node 5 s,
   * gunicorn 2 s is the odd one out) so the edge, not the upstream, closes idle sockets. */
  readonly keepAliveTimeoutMs: number;
  readonly connectTimeoutMs: number;
}

export const defaultUpstreamPoolOptions: UpstreamPoolOptions = { connections: 128, keepAliveTimeoutMs: 4000, connectTimeoutMs: 5000 };

export interface UpstreamSlot {
  /** `host:port`: what access logs show (never sent to clients). */
  readonly key: string;
  readonly upstream: Upstream;
  readonly origin: string;
  readonly pool: Pool;
  /** Requests dispatched and not yet finished, for least-busy balancing. */
  inflight: number;
  closed: boolean;
}

export interface UpstreamPools {
  /** A route's replica to use, or null when it has none. `avoid` (a slot that just failed) is skipped when another exists. */
  pick(upstreams: readonly Upstream[], avoid: UpstreamSlot | null): UpstreamSlot | null;
  /** Closes the pools of upstreams not in `keep` once their running requests finish. */
  retain(keep: Iterable<Upstream>): void;
  /** A one-request client on a new connection to the slot's upstream, closed once that request is done. */
  openFreshClient(slot: UpstreamSlot): Client;
  close(): Promise<void>;
}

const kReused = Symbol('berth.reusedSocket');

// Why: undici gives no way to ask whether a failed request ran on a fresh or a reused connection, and a raw
// ECONNRESET carries no socket. This listener runs before undici's and stamps the error: a socket that has read
// bytes before served an earlier response, so a reset now is the keep-alive race (the upstream closed an idle
// socket while our request was on the wire), which is safe to retry.
function stampReuse(this: Socket, error: Error): void {
  (error as Error & { [kReused]?: boolean })[kReused] = this.bytesRead > 0;
}

/** Whether an upstream error is a connection reset on a socket that had already served a response. */
export function isResetOfReusedSocket(error: Error): boolean {
  const code = (error as { code?: string }).code;
  if (code === 'ECONNRESET' || code === 'EPIPE') return (error as { [kReused]?: boolean })[kReused] === true;
  if (code === 'UND_ERR_SOCKET') return ((error as { socket?: { bytesRead?: number } }).socket?.bytesRead ?? 0) > 0;
  return false;
}

export function createUpstreamPools(options: UpstreamPoolOptions = defaultUpstreamPoolOptions): UpstreamPools {
  const byKey = new Map<string, UpstreamSlot>();
  // Route tables arrive as fresh objects; this cache saves building a `host:port` string per request.
  let byUpstream = new WeakMap<Upstream, UpstreamSlot>();
  const baseConnect = buildConnector({ timeout: options.connectTimeoutMs });
  const connect: buildConnector.connector = (connectOptions, callback) => {
    baseConnect(connectOptions, (error: Error | null, socket: Socket | null) => {
      if (error !== null || socket === null) {
        callback(error ?? new Error('connect failed'), null);
        return;
      }
      socket.prependListener('error', stampReuse);
      callback(null, socket);
    });
  };
  let turn = 0;

  function slotFor(upstream: Upstream): UpstreamSlot {
    const cached = byUpstream.get(upstream);
    if (cached !== undefined && !cached.closed) return cached;
    const key = `${upstream.host}:${String(upstream.port)}`;
    let slot = byKey.get(key);
    if (slot === undefined) {
      const origin = `http://${upstream.host.includes(':') ? `[${upstream.host}]` : upstream.host}:${String(upstream.port)}`;
      const pool = new Pool(origin, {
        connections: options.connections,
        pipelining: 1,
        keepAliveTimeout: options.keepAliveTimeoutMs,
        keepAliveMaxTimeout: options.keepAliveTimeoutMs,
        connect,
      });
      slot = { key, upstream: { host: upstream.host, port: upstream.port }, origin, pool, inflight: 0, closed: false };
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
        slot.pool.close().catch(() => undefined);
      }
      byUpstream = new WeakMap();
    },
    openFreshClient(slot) {
      return new Client(slot.origin, { pipelining: 1, keepAliveTimeout: options.keepAliveTimeoutMs, connect });
    },
    async close() {
      const pools = [...byKey.values()];
      byKey.clear();
      byUpstream = new WeakMap();
      for (const slot of pools) slot.closed = true;
      await Promise.all(pools.map((slot) => slot.pool.destroy()));
    },
  };
}
