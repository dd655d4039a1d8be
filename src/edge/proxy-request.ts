// Forwards one HTTP request to a route's upstreams over keep-alive pools, streaming both bodies: each response chunk
// is written to the client as it arrives (SSE works), and backpressure from a slow client pauses the upstream.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Upstream } from './edge-types.js';
import { filterResponseHeaders } from './forwarded-headers.js';
import { sendPlainResponse } from './plain-response.js';
import type { RequestBodySource } from './request-body.js';
import type { ResponseHead } from './response-head.js';
import { connectionFailureCodes, type UpstreamConnection, type UpstreamError, type UpstreamHandler, type UpstreamRequest } from './upstream-connection.js';
import { toTicks } from './upstream-pool.js';
import type { UpstreamPools, UpstreamSlot } from './upstream-pools.js';

export interface ProxySettings {
  readonly pools: UpstreamPools;
  /** Time for the upstream to send its response headers before the client gets 504. */
  readonly headersTimeoutMs: number;
  /** Longest silence inside a response body before the exchange is cut (SSE streams need heartbeats below it). */
  readonly bodyTimeoutMs: number;
}

/** Filled in by the exchange for the access log. */
export interface ProxyRecord {
  upstream: string | null;
}

/** What to send upstream; `headers` is the flat list from buildUpstreamHeaders. */
export interface ProxyTarget {
  readonly upstreams: readonly Upstream[];
  readonly path: string;
  readonly headers: string[];
  readonly body: RequestBodySource | null;
}

const kExchange = Symbol('berth.proxyExchange');
type ExchangeResponse = ServerResponse & { [kExchange]?: ProxyExchange };

function isIdempotent(method: string): boolean {
  return method === 'GET' || method === 'HEAD' || method === 'OPTIONS' || method === 'PUT' || method === 'DELETE';
}

function resumeOnDrain(this: ExchangeResponse): void {
  this[kExchange]?.connection?.resume();
}

function abortOnClientClose(this: ExchangeResponse): void {
  const exchange = this[kExchange];
  if (exchange === undefined || exchange.finished) return;
  exchange.clientGone = true;
  exchange.abort();
}

// Timeouts in ticks, converted once per settings object rather than per request.
const ticksFor = new WeakMap<ProxySettings, { headers: number; body: number }>();
function settingsTicks(settings: ProxySettings): { headers: number; body: number } {
  let ticks = ticksFor.get(settings);
  if (ticks === undefined) {
    ticks = { headers: toTicks(settings.headersTimeoutMs), body: toTicks(settings.bodyTimeoutMs) };
    ticksFor.set(settings, ticks);
  }
  return ticks;
}

class ProxyExchange implements UpstreamHandler, UpstreamRequest {
  connection: UpstreamConnection | null = null;
  finished = false;
  clientGone = false;
  body: AsyncIterable<Buffer> | null = null;
  readonly headersTicks: number;
  readonly bodyTicks: number;
  private slot: UpstreamSlot | null = null;
  private retried = false;
  private responded = false;

  constructor(
    private readonly res: ExchangeResponse,
    private readonly target: ProxyTarget,
    private readonly settings: ProxySettings,
    private readonly record: ProxyRecord,
    readonly method: string,
  ) {
    const ticks = settingsTicks(settings);
    this.headersTicks = ticks.headers;
    this.bodyTicks = ticks.body;
  }

  get path(): string {
    return this.target.path;
  }

  get headers(): readonly string[] {
    return this.target.headers;
  }

  /** `fresh`: send over a new connection instead of an idle one (the retry after a reused one was reset). */
  start(avoid: UpstreamSlot | null, fresh: boolean): void {
    const slot = this.settings.pools.pick(this.target.upstreams, avoid);
    if (slot === null) {
      this.fail(502);
      return;
    }
    this.slot = slot;
    slot.inflight++;
    this.record.upstream = slot.key;
    // A fresh attempt of the body each time: a retry happens only while no byte of it has gone out.
    this.body = this.target.body === null ? null : this.target.body.attempt();
    slot.pool.dispatch(this, this, fresh);
  }

  abort(): void {
    const connection = this.connection;
    if (connection !== null) connection.abort();
    else this.slot?.pool.cancel(this);
    this.release();
  }

  onHead(head: ResponseHead): void {
    this.responded = true;
    this.res.writeHead(head.status, filterResponseHeaders(head.headers));
  }

  onData(chunk: Buffer): void {
    if (!this.res.write(chunk)) {
      this.connection?.pause();
      this.res.once('drain', resumeOnDrain);
    }
  }

  onEnd(): void {
    this.release();
    this.res.end();
  }

  onError(error: UpstreamError): void {
    const failed = this.slot;
    this.release();
    if (this.clientGone) {
      this.res.destroy();
      return;
    }
    const body = this.target.body;
    if (body?.tooLarge === true) {
      this.fail(413, true);
      return;
    }
    const code = error.code;
    if (!this.responded && !this.retried && (body === null || !body.started)) {
      // A reset of a reused keep-alive connection means the upstream closed it while our request was on the wire:
      // it never ran, so any method may go again (and so may one refused by a pool closed after a route swap).
      // Other failures are retried only for idempotent bodiless requests.
      if (error.reused || code === 'BERTH_UPSTREAM_POOL_CLOSED' || (body === null && isIdempotent(this.method) && connectionFailureCodes.has(code))) {
        this.retried = true;
        this.finished = false;
        this.start(failed, error.reused);
        return;
      }
    }
    if (this.responded) {
      // Headers are out: the only honest signal left to the client is a cut connection.
      this.res.destroy();
      return;
    }
    this.fail(code === 'BERTH_UPSTREAM_HEADERS_TIMEOUT' || code === 'BERTH_UPSTREAM_CONNECT_TIMEOUT' ? 504 : 502, body !== null);
  }

  private release(): void {
    if (this.slot !== null) {
      this.slot.inflight--;
      this.slot = null;
    }
    this.finished = true;
  }

  private fail(status: number, close = false): void {
    this.finished = true;
    // close: the client's body may be half read, so the connection cannot carry another request.
    sendPlainResponse(this.res, status, { close });
  }
}

/** Proxies `req` to one of `target.upstreams` and answers the client (502/504 with a plain body on failure). */
export function proxyRequest(req: IncomingMessage, res: ServerResponse, target: ProxyTarget, settings: ProxySettings, record: ProxyRecord): void {
  const exchange = new ProxyExchange(res, target, settings, record, req.method ?? 'GET');
  const tagged = res as ExchangeResponse;
  tagged[kExchange] = exchange;
  res.on('close', abortOnClientClose);
  exchange.start(null, false);
}
