// Forwards one HTTP request to a route's upstreams over keep-alive pools, streaming both bodies: each response chunk
// is written to the client as it arrives (SSE works), and backpressure from a slow client pauses the upstream.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { Upstream } from './edge-types.js';
import { filterResponseHeaders } from './forwarded-headers.js';
import { sendPlainResponse } from './plain-response.js';
import type { RequestBodySource } from './request-body.js';
import { isResetOfReusedSocket, type UpstreamPools, type UpstreamSlot } from './upstream-pools.js';

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

/** Errors where the request surely did not reach the application, or died with the connection. */
function isConnectionFailure(code: string | undefined): boolean {
  return code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET' ||
    code === 'UND_ERR_CLOSED' || code === 'UND_ERR_DESTROYED';
}

function resumeOnDrain(this: ExchangeResponse): void {
  this[kExchange]?.controller?.resume();
}

function abortOnClientClose(this: ExchangeResponse): void {
  const exchange = this[kExchange];
  if (exchange === undefined || exchange.finished) return;
  exchange.clientGone = true;
  exchange.controller?.abort(new Error('client closed the connection'));
}

class ProxyExchange implements Dispatcher.DispatchHandler {
  controller: Dispatcher.DispatchController | null = null;
  finished = false;
  clientGone = false;
  private slot: UpstreamSlot | null = null;
  private retried = false;
  private responded = false;
  private readonly options: Dispatcher.DispatchOptions;

  constructor(
    private readonly res: ExchangeResponse,
    private readonly target: ProxyTarget,
    private readonly settings: ProxySettings,
    private readonly record: ProxyRecord,
    method: string,
  ) {
    this.options = {
      path: target.path,
      method,
      headers: target.headers,
      body: null,
      headersTimeout: settings.headersTimeoutMs,
      bodyTimeout: settings.bodyTimeoutMs,
    };
  }

  /** `fresh`: send over a new connection instead of the pool (the retry after a reused socket was reset: the
   * pool's other idle sockets may be just as dead, e.g. after the upstream restarted). */
  start(avoid: UpstreamSlot | null, fresh: boolean): void {
    const slot = this.settings.pools.pick(this.target.upstreams, avoid);
    if (slot === null) {
      this.fail(502);
      return;
    }
    this.slot = slot;
    slot.inflight++;
    this.record.upstream = slot.key;
    this.controller = null;
    // undici streams async iterables (util.isIterable) although its types list only Readable; a Readable wrapper
    // would read ahead and break the "no byte sent yet" test that retries rely on.
    this.options.body = this.target.body === null ? null : (this.target.body.attempt() as unknown as Readable);
    try {
      if (fresh) {
        const client = this.settings.pools.openFreshClient(slot);
        client.dispatch(this.options, this);
        // close() lets the request just dispatched finish first.
        client.close().catch(() => undefined);
      } else slot.pool.dispatch(this.options, this);
    } catch (error) {
      this.onResponseError(null, error as Error);
    }
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.clientGone) controller.abort(new Error('client closed the connection'));
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    if (statusCode < 200) return; // 100 Continue and 103 Early Hints stay between the edge and the upstream
    this.responded = true;
    this.res.writeHead(statusCode, filterResponseHeaders(headers));
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (!this.res.write(chunk)) {
      controller.pause();
      this.res.once('drain', resumeOnDrain);
    }
  }

  onResponseEnd(): void {
    this.release();
    this.res.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController | null, error: Error): void {
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
    const code = (error as { code?: string }).code;
    if (!this.responded && !this.retried && (body === null || !body.started)) {
      // A reset of a reused keep-alive socket means the upstream closed it while our request was on the wire: it
      // never ran, so any method may go again (and so may one refused by a pool closed after a route swap).
      // Other failures are retried only for idempotent bodiless requests.
      const reused = isResetOfReusedSocket(error);
      if (reused || code === 'UND_ERR_CLOSED' || (body === null && isIdempotent(this.options.method) && isConnectionFailure(code))) {
        this.retried = true;
        this.finished = false;
        this.start(failed, reused);
        return;
      }
    }
    if (this.responded) {
      // Headers are out: the only honest signal left to the client is a cut connection.
      this.res.destroy();
      return;
    }
    this.fail(code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT' ? 504 : 502, body !== null);
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
