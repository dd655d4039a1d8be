// The keep-alive connections to one upstream `host:port`: idle ones are reused newest first, new ones are opened up
// to a limit, requests beyond it wait in order. A shared ticker (one unref'd interval while any connection is open)
// advances the clock that connection deadlines are measured in and closes what has timed out: connect, response
// headers, silence inside a body, idle keep-alive.
import { connect } from 'node:net';
import type { Upstream } from './edge-types.js';
import { Phase, UpstreamConnection, UpstreamError, type ConnectionOwner, type UpstreamHandler, type UpstreamRequest } from './upstream-connection.js';

export interface UpstreamPoolOptions {
  /** Most connections per upstream; requests beyond wait in the pool's queue. */
  readonly connections: number;
  /** Idle keep-alive time of an upstream connection. Kept below common server idle timeouts (Node 5 s,
   * gunicorn 2 s is the odd one out) so the edge, not the upstream, closes idle sockets. */
  readonly keepAliveTimeoutMs: number;
  readonly connectTimeoutMs: number;
}

/** Resolution of every upstream deadline. */
export const tickMs = 100;

/** A timeout in ticks: never early, at most one tick late. */
export function toTicks(ms: number): number {
  return Math.ceil(ms / tickMs) + 1;
}

interface Waiting {
  readonly request: UpstreamRequest;
  readonly handler: UpstreamHandler;
}

/** The clock and sweep shared by all pools of one edge server. */
export class UpstreamTicker {
  now = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly pools = new Set<UpstreamPool>();

  watch(pool: UpstreamPool): void {
    this.pools.add(pool);
    if (this.timer === null) {
      this.timer = setInterval(() => { this.tick(); }, tickMs);
      this.timer.unref();
    }
  }

  unwatch(pool: UpstreamPool): void {
    this.pools.delete(pool);
    if (this.pools.size === 0 && this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  private tick(): void {
    this.now++;
    for (const pool of this.pools) pool.sweep(this.now);
  }
}

export class UpstreamPool implements ConnectionOwner {
  readonly connectTicks: number;
  readonly idleTicks: number;
  private readonly all = new Set<UpstreamConnection>();
  private readonly idle: UpstreamConnection[] = [];
  private readonly queue: Waiting[] = [];
  private closed = false;

  constructor(readonly upstream: Upstream, private readonly options: UpstreamPoolOptions, private readonly ticker: UpstreamTicker) {
    this.connectTicks = toTicks(options.connectTimeoutMs);
    this.idleTicks = toTicks(options.keepAliveTimeoutMs);
  }

  get now(): number {
    return this.ticker.now;
  }

  /** Runs `request` on an idle connection, a new one, or (at the limit) once one frees up. `fresh`: on a new
   * connection whatever the idle ones (the retry after a reused one was reset: the others may be just as dead). */
  dispatch(request: UpstreamRequest, handler: UpstreamHandler, fresh: boolean): void {
    if (this.closed) {
      handler.onError(new UpstreamError('upstream pool closed', 'BERTH_UPSTREAM_POOL_CLOSED', false));
      return;
    }
    if (!fresh) {
      const connection = this.takeIdle();
      if (connection !== null) {
        connection.send(request, handler);
        return;
      }
    }
    if (fresh || this.all.size < this.options.connections) this.open().send(request, handler);
    else this.queue.push({ request, handler });
  }

  /** Takes a request out of the queue (its client went away before it started). */
  cancel(handler: UpstreamHandler): void {
    const index = this.queue.findIndex((waiting) => waiting.handler === handler);
    if (index >= 0) this.queue.splice(index, 1);
  }

  release(connection: UpstreamConnection): void {
    if (this.closed) {
      connection.abort();
      return;
    }
    const next = this.queue.shift();
    if (next !== undefined) connection.send(next.request, next.handler);
    else this.idle.push(connection);
  }

  forget(connection: UpstreamConnection): void {
    this.all.delete(connection);
    const index = this.idle.lastIndexOf(connection);
    if (index >= 0) this.idle.splice(index, 1);
    if (this.all.size === 0) this.ticker.unwatch(this);
    // A connection lost while requests wait: open another for the first of them.
    if (!this.closed && this.queue.length > 0 && this.all.size < this.options.connections) {
      const next = this.queue.shift() as Waiting;
      this.open().send(next.request, next.handler);
    }
  }

  /** Closes idle connections and fails queued requests now; running requests finish, then their connections close.
   * `destroy`: running requests are cut too. */
  close(destroy: boolean): void {
    this.closed = true;
    for (const connection of this.idle.splice(0)) connection.abort();
    for (const waiting of this.queue.splice(0)) waiting.handler.onError(new UpstreamError('upstream pool closed', 'BERTH_UPSTREAM_POOL_CLOSED', false));
    if (destroy) for (const connection of [...this.all]) connection.socket.destroy();
  }

  /** Fails or closes connections whose deadline has passed. */
  sweep(now: number): void {
    for (const connection of this.all) {
      if (connection.deadline <= now && connection.phase !== Phase.Paused && connection.phase !== Phase.Closed) connection.timedOut();
    }
  }

  private takeIdle(): UpstreamConnection | null {
    const idle = this.idle;
    while (idle.length > 0) {
      const connection = idle.pop() as UpstreamConnection;
      if (connection.usable) return connection;
      connection.abort();
    }
    return null;
  }

  private open(): UpstreamConnection {
    const socket = connect({ host: this.upstream.host, port: this.upstream.port });
    const connection = new UpstreamConnection(socket, this);
    if (this.all.size === 0) this.ticker.watch(this);
    this.all.add(connection);
    return connection;
  }
}
