// One keep-alive HTTP/1.1 connection to an upstream, one request at a time: writes the request head as one string
// (and streams its body, chunked when it has no Content-Length), parses the response with ResponseParser and hands
// the pieces to the request's handler as they arrive, unbuffered. Timeouts are deadlines in ticks that the pool's
// sweep checks (no timer per request). Listeners are set once per connection, never per request.
import type { Socket } from 'node:net';
import { ResponseParser, type ResponseEvents, type ResponseHead } from './response-parser.js';

/** What one request through a connection reports back (the proxy exchange, the auth gate). */
export interface UpstreamHandler {
  /** The connection running the request, set by the pool (null while queued or after the end). */
  connection: UpstreamConnection | null;
  /** A final (≥ 200) response head; 1xx answers are skipped. */
  onHead(head: ResponseHead): void;
  onData(chunk: Buffer): void;
  onEnd(): void;
  onError(error: UpstreamError): void;
}

export interface UpstreamRequest {
  readonly method: string;
  readonly path: string;
  /** Flat [name, value, ...] list, hop-by-hop headers already removed (values come from parsers that refuse CR/LF). */
  readonly headers: readonly string[];
  /** Pulled as the upstream accepts it; null: no body. */
  readonly body: AsyncIterable<Buffer> | null;
  /** Response headers due within this many ticks of the request's last byte (see toTicks). */
  readonly headersTicks: number;
  /** Longest silence inside the response body, in ticks. */
  readonly bodyTicks: number;
}

export class UpstreamError extends Error {
  constructor(
    message: string,
    readonly code: string,
    /** The connection had served a response before and this request got no byte back: the keep-alive race, where
     * the upstream closed the idle connection as the request went out (it never ran). */
    readonly reused: boolean,
  ) {
    super(message);
  }
}

/** Error codes of failures that mean the request may not have reached the application (or died with the connection). */
export const connectionFailureCodes: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'BERTH_UPSTREAM_CLOSED', 'ERR_STREAM_WRITE_AFTER_END', 'ERR_STREAM_DESTROYED']);

export const enum Phase { Connecting, Idle, Waiting, Body, Paused, Closed }

/** What a connection needs from its pool. */
export interface ConnectionOwner {
  /** The current tick (see upstream-pool.ts); deadlines are in ticks. */
  readonly now: number;
  /** Connect and idle keep-alive timeouts, in ticks. */
  readonly connectTicks: number;
  readonly idleTicks: number;
  /** The connection finished a response and may take another request. */
  release(connection: UpstreamConnection): void;
  /** The connection's socket closed. */
  forget(connection: UpstreamConnection): void;
}

function onSocketData(this: Socket & { [kConnection]: UpstreamConnection }, chunk: Buffer): void {
  this[kConnection].receive(chunk);
}
function onSocketEnd(this: Socket & { [kConnection]: UpstreamConnection }): void {
  this[kConnection].ended();
}
function onSocketError(this: Socket & { [kConnection]: UpstreamConnection }, error: Error): void {
  this[kConnection].failed(error);
}
function onSocketClose(this: Socket & { [kConnection]: UpstreamConnection }): void {
  this[kConnection].closed();
}
function onSocketConnect(this: Socket & { [kConnection]: UpstreamConnection }): void {
  this[kConnection].connected();
}

const kConnection = Symbol('berth.upstreamConnection');

export class UpstreamConnection implements ResponseEvents {
  phase = Phase.Connecting;
  /** Tick at which the current phase times out (see ConnectionOwner.now). */
  deadline: number;
  private handler: UpstreamHandler | null = null;
  private headersTicks = 0;
  private bodyTicks = 0;
  private served = 0;
  private bodyPending = false;
  private readonly parser = new ResponseParser(this);

  constructor(readonly socket: Socket, private readonly owner: ConnectionOwner) {
    this.deadline = owner.now + owner.connectTicks;
    (socket as Socket & { [kConnection]: UpstreamConnection })[kConnection] = this;
    socket.setNoDelay(true);
    socket.on('data', onSocketData);
    socket.on('end', onSocketEnd);
    socket.on('error', onSocketError);
    socket.on('close', onSocketClose);
    socket.once('connect', onSocketConnect);
  }

  /** Whether an idle connection can take a request (the upstream may have closed it since). */
  get usable(): boolean {
    return this.phase === Phase.Idle && !this.socket.destroyed && this.socket.writable && !this.socket.readableEnded;
  }

  send(request: UpstreamRequest, handler: UpstreamHandler): void {
    this.handler = handler;
    handler.connection = this;
    this.headersTicks = request.headersTicks;
    this.bodyTicks = request.bodyTicks;
    if (this.phase !== Phase.Connecting) this.setPhase(Phase.Waiting, this.headersTicks);
    this.parser.expect(request.method === 'HEAD');
    const headers = request.headers;
    let head = `${request.method} ${request.path} HTTP/1.1\r\n`;
    let hasLength = false;
    for (let i = 0; i < headers.length; i += 2) {
      const name = headers[i] as string;
      if (name === 'content-length') hasLength = true;
      head += `${name}: ${headers[i + 1] as string}\r\n`;
    }
    const body = request.body;
    if (body === null) {
      this.bodyPending = false;
      this.socket.write(`${head}\r\n`, 'latin1');
      return;
    }
    const chunked = !hasLength;
    this.bodyPending = true;
    this.socket.write(chunked ? `${head}transfer-encoding: chunked\r\n\r\n` : `${head}\r\n`, 'latin1');
    void this.pump(body, chunked, handler);
  }

  pause(): void {
    if (this.phase !== Phase.Body) return;
    this.phase = Phase.Paused; // no deadline: a slow client is the client side's timeout to judge
    this.socket.pause();
  }

  resume(): void {
    if (this.phase !== Phase.Paused) return;
    this.setPhase(Phase.Body, this.bodyTicks);
    this.socket.resume();
  }

  /** Drops the request: the connection cannot carry another, so it closes; the handler hears nothing more. */
  abort(): void {
    const handler = this.handler;
    if (handler !== null) handler.connection = null;
    this.handler = null;
    this.phase = Phase.Closed;
    this.socket.destroy();
  }

  /** Called by the pool's sweep when `deadline` has passed. */
  timedOut(): void {
    switch (this.phase) {
      case Phase.Connecting:
        this.fail(new UpstreamError('upstream connect timeout', 'BERTH_UPSTREAM_CONNECT_TIMEOUT', false));
        break;
      case Phase.Waiting:
        this.fail(new UpstreamError('upstream headers timeout', 'BERTH_UPSTREAM_HEADERS_TIMEOUT', false));
        break;
      case Phase.Body:
        this.fail(new UpstreamError('upstream body timeout', 'BERTH_UPSTREAM_BODY_TIMEOUT', false));
        break;
      default:
        this.fail(null);
    }
  }

  // ---- ResponseEvents ----

  onHead(head: ResponseHead): void {
    this.setPhase(Phase.Body, this.bodyTicks);
    this.handler?.onHead(head);
  }

  onBody(chunk: Buffer): void {
    this.handler?.onData(chunk);
  }

  onComplete(keepAlive: boolean): void {
    const handler = this.handler;
    this.handler = null;
    this.served++;
    if (handler !== null) handler.connection = null;
    if (keepAlive && !this.bodyPending && this.phase !== Phase.Closed) {
      if (this.phase === Phase.Paused) this.socket.resume();
      this.setPhase(Phase.Idle, this.owner.idleTicks);
      this.owner.release(this);
    } else {
      this.phase = Phase.Closed;
      this.socket.destroy();
    }
    handler?.onEnd();
  }

  // ---- socket events ----

  connected(): void {
    if (this.phase !== Phase.Connecting) return;
    if (this.handler === null) this.setPhase(Phase.Idle, this.owner.idleTicks);
    else this.setPhase(Phase.Waiting, this.headersTicks);
  }

  receive(chunk: Buffer): void {
    if (!this.parser.active) {
      // Bytes nobody asked for: the connection's framing cannot be trusted any more.
      this.fail(null);
      return;
    }
    if (this.phase === Phase.Body) this.deadline = this.owner.now + this.bodyTicks;
    try {
      this.parser.execute(chunk);
    } catch (error) {
      this.fail(new UpstreamError((error as Error).message, 'BERTH_UPSTREAM_PROTOCOL', false));
    }
  }

  ended(): void {
    if (this.handler !== null && this.parser.finishOnClose()) return;
    this.fail(new UpstreamError('upstream closed the connection', 'BERTH_UPSTREAM_CLOSED', this.lostBeforeAnswer));
  }

  failed(error: Error): void {
    const code = (error as { code?: string }).code ?? 'BERTH_UPSTREAM_SOCKET';
    this.fail(new UpstreamError(error.message, code, this.lostBeforeAnswer && connectionFailureCodes.has(code)));
  }

  closed(): void {
    this.phase = Phase.Closed;
    if (this.handler !== null) this.fail(new UpstreamError('upstream closed the connection', 'BERTH_UPSTREAM_CLOSED', this.lostBeforeAnswer));
    this.owner.forget(this);
  }

  /** This connection served a response before, and the running request has had no byte back yet. */
  private get lostBeforeAnswer(): boolean {
    return this.served > 0 && this.parser.received === 0;
  }

  private setPhase(phase: Phase, ticks: number): void {
    this.phase = phase;
    this.deadline = this.owner.now + ticks;
  }

  /** Closes the connection; the running request's handler (if any) gets `error`. */
  private fail(error: UpstreamError | null): void {
    const handler = this.handler;
    this.handler = null;
    this.phase = Phase.Closed;
    this.socket.destroy();
    if (handler === null) return;
    handler.connection = null;
    handler.onError(error ?? new UpstreamError('upstream connection closed', 'BERTH_UPSTREAM_CLOSED', false));
  }

  private async pump(body: AsyncIterable<Buffer>, chunked: boolean, handler: UpstreamHandler): Promise<void> {
    const socket = this.socket;
    try {
      for await (const chunk of body) {
        if (this.handler !== handler) return;
        if (chunk.length === 0) continue;
        if (this.phase === Phase.Waiting) this.deadline = this.owner.now + this.headersTicks;
        let ok: boolean;
        if (chunked) {
          socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
          socket.write(chunk);
          ok = socket.write('\r\n', 'latin1');
        } else ok = socket.write(chunk);
        if (!ok) await waitForDrain(socket);
      }
      if (this.handler !== handler) return;
      if (chunked) socket.write('0\r\n\r\n', 'latin1');
      this.bodyPending = false;
    } catch (error) {
      if (this.handler !== handler) return;
      const code = (error as { code?: string }).code ?? 'BERTH_REQUEST_BODY';
      this.fail(new UpstreamError((error as Error).message, code, false));
    }
  }
}

function waitForDrain(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      socket.removeListener('drain', done);
      socket.removeListener('close', done);
      resolve();
    };
    socket.on('drain', done);
    socket.on('close', done);
  });
}
