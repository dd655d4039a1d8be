// HTTP probe: GET http://127.0.0.1:<port><path>; passes on the expected status (and body).
// Why a raw socket and a hand-written HTTP/1.1 exchange rather than node:http: the daemon runs one check per
// service a second (P4), and node:http with a fresh connection each time cost ≈ 1.5 ms of CPU a check, mostly the
// connect/close and the client machinery around it. One keep-alive connection per port, a request written as one
// string and a reader for the status line, the few headers that frame the body, and the body, cost a fraction.
// Why reuse does not hide a dead server: a reused connection that fails before any answer gets one retry on a
// fresh connection (a server that closed an idle connection is fine; a dead one refuses the fresh connect); a
// connection is reused for at most MAX_REUSE_MS, so a listener that went away while an old connection still
// answers is noticed by the next fresh connect; the reader is fail-closed (anything it does not understand fails).
import { connect, type Socket } from 'node:net';
import { describeError, excerptText, makeResult, redactOutput } from './probe-output.js';
import type { ProbeCheck, ProbeResult } from './probe-types.js';

/** How much of the body a `body` regex sees, and how much is read for the output excerpt. */
export const HTTP_BODY_LIMIT = 64 * 1024;
/** A connection is reused for this long after it was opened, then closed and a fresh one opened. */
export const MAX_REUSE_MS = 10_000;
/** An idle kept connection is closed after this long without a check. */
export const IDLE_CLOSE_MS = 5_000;
/** Status line and headers larger than this fail the check. */
const HEAD_LIMIT = 64 * 1024;

interface KeptConnection {
  readonly socket: Socket;
  readonly openedAt: number;
  /** Detaches the idle watchers (close, data, timeout) when the connection is taken for a check. */
  readonly release: () => void;
}

/** One idle keep-alive connection per port on 127.0.0.1. */
const kept = new Map<number, KeptConnection>();

/** Closes every kept connection (tests, shutdown). */
export function closeKeptHttpConnections(): void {
  for (const connection of kept.values()) {
    connection.release();
    connection.socket.destroy();
  }
  kept.clear();
}

/** How many connections are kept for reuse (tests). */
export function keptHttpConnections(): number {
  return kept.size;
}

function takeKept(port: number, now: number): KeptConnection | null {
  const connection = kept.get(port);
  if (connection === undefined) return null;
  kept.delete(port);
  connection.release();
  if (connection.socket.destroyed || !connection.socket.writable || now - connection.openedAt >= MAX_REUSE_MS) {
    connection.socket.destroy();
    return null;
  }
  connection.socket.ref();
  return connection;
}

function keep(port: number, socket: Socket, openedAt: number): void {
  if (kept.has(port) || socket.destroyed || Date.now() - openedAt >= MAX_REUSE_MS) {
    socket.destroy();
    return;
  }
  // Idle: anything the server sends or does now (close, reset, stray bytes) ends the connection.
  const drop = (): void => {
    if (kept.get(port)?.socket === socket) kept.delete(port);
    release();
    socket.destroy();
  };
  const release = (): void => {
    socket.off('close', drop);
    socket.off('end', drop);
    socket.off('error', drop);
    socket.off('data', drop);
    socket.off('timeout', drop);
    socket.setTimeout(0);
  };
  socket.on('close', drop);
  socket.on('end', drop);
  socket.on('error', drop);
  socket.on('data', drop);
  socket.on('timeout', drop);
  socket.setTimeout(IDLE_CLOSE_MS);
  socket.unref();
  kept.set(port, { socket, openedAt, release });
}

/** Passes when the status is in the list (any 2xx when the list is empty) and the body matches. */
export const checkHttp: ProbeCheck = (probe, target, signal) => {
  const startedAt = Date.now();
  const fail = (output: string): Promise<ProbeResult> => Promise.resolve(makeResult(false, output, startedAt));
  const port = probe.http?.port ?? target.port;
  if (probe.http === null) return fail('not an http probe');
  if (port === null) return fail('no port to probe: the service has no port and the probe names none');
  let bodyPattern: RegExp | null;
  try {
    bodyPattern = probe.http.body === null ? null : new RegExp(probe.http.body);
  } catch (error) {
    return fail(`bad body pattern: ${describeError(error)}`);
  }
  const { path, status } = probe.http;
  // As node:http refuses it: a path with spaces or control characters is not a request line.
  if (/[^\u0021-\u00ff]/.test(path)) return fail('Request path contains unescaped characters');
  const request = Buffer.from(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${String(port)}\r\nUser-Agent: berth-probe\r\n\r\n`, 'latin1');
  const statusPasses = (code: number): boolean => (status.length === 0 ? code >= 200 && code < 300 : status.includes(code));
  return new Promise<ProbeResult>((resolve) => {
    let done = false;
    let socket: Socket | null = null;
    let answered: number | null = null;
    const finish = (ok: boolean, output: string): void => {
      if (done) return;
      done = true;
      signal.removeEventListener('abort', onAbort);
      resolve(makeResult(ok, redactOutput(output, target.env), startedAt));
    };
    const onAbort = (): void => {
      socket?.destroy();
      const reason = signal.reason instanceof Error ? signal.reason.message : 'aborted';
      finish(false, answered === null ? reason : `${reason} reading the body of HTTP ${String(answered)}`);
    };
    const attempt = (reused: KeptConnection | null): void => {
      const openedAt = reused?.openedAt ?? Date.now();
      const current = reused?.socket ?? connect({ host: '127.0.0.1', port, noDelay: true });
      socket = current;
      const reader = new ResponseReader();
      let received = false;
      const detach = (): void => {
        current.off('data', onData);
        current.off('end', onEnd);
        current.off('error', onError);
        current.off('close', onEnd);
      };
      // Why retry: a kept connection the server closed (idle timeout, restart) fails before any byte of an answer;
      // that says nothing about the server, a fresh connection does.
      const failedBeforeAnswer = (): boolean => {
        if (reused === null || received || done) return false;
        detach();
        current.destroy();
        attempt(null);
        return true;
      };
      const conclude = (outcome: ReaderOutcome): void => {
        detach();
        if (outcome.kind === 'error') {
          current.destroy();
          finish(false, outcome.message);
          return;
        }
        if (outcome.reusable) keep(port, current, openedAt);
        else current.destroy();
        const { code, body } = outcome;
        if (!statusPasses(code)) finish(false, `HTTP ${String(code)}: ${excerptText(body)}`);
        else if (bodyPattern !== null && !bodyPattern.test(body)) finish(false, `HTTP ${String(code)}: body does not match /${bodyPattern.source}/: ${excerptText(body)}`);
        else finish(true, `HTTP ${String(code)}`);
      };
      const onData = (chunk: Buffer): void => {
        received = true;
        const outcome = reader.feed(chunk);
        answered = reader.code;
        if (outcome !== null) conclude(outcome);
      };
      const onEnd = (): void => {
        if (failedBeforeAnswer()) return;
        conclude(reader.end());
      };
      const onError = (error: Error): void => {
        if (failedBeforeAnswer()) return;
        detach();
        current.destroy();
        finish(false, reader.code === null ? describeError(error) : `HTTP ${String(reader.code)}, then the connection closed mid-body`);
      };
      current.on('data', onData);
      current.on('end', onEnd);
      current.on('close', onEnd);
      current.on('error', onError);
      current.write(request);
    };
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    attempt(takeKept(port, Date.now()));
  });
};

type ReaderOutcome = { readonly kind: 'answer'; readonly code: number; readonly body: string; readonly reusable: boolean } | { readonly kind: 'error'; readonly message: string };

const CRLF = Buffer.from('\r\n');
const HEAD_END = Buffer.from('\r\n\r\n');

/**
 * Reads one HTTP/1.x response: status line, headers (only those that frame the body and the connection), then the
 * body by Content-Length, chunked, or until the server closes; at most HTTP_BODY_LIMIT bytes of it are kept, and a
 * longer body ends the read there (the connection is then not reused). Interim 1xx answers are skipped.
 */
class ResponseReader {
  /** The status of the final answer once its head is read, else null. */
  code: number | null = null;
  private pending: Buffer = Buffer.alloc(0);
  private state: 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailers' | 'close' = 'head';
  private remaining = 0;
  private keepAlive = true;
  private readonly body: Buffer[] = [];
  private bodySize = 0;

  /** Takes the next bytes; returns the outcome once the answer is complete (or broken), else null. */
  feed(chunk: Buffer): ReaderOutcome | null {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    for (;;) {
      const outcome = this.step();
      if (outcome !== 'more') return outcome;
    }
  }

  /** The server closed the connection. */
  end(): ReaderOutcome {
    if (this.state === 'close') return this.answer(false);
    if (this.code === null) return { kind: 'error', message: 'ECONNRESET: socket hang up' };
    return { kind: 'error', message: `HTTP ${String(this.code)}, then the connection closed mid-body` };
  }

  private answer(reusable: boolean): ReaderOutcome {
    const body = Buffer.concat(this.body).subarray(0, HTTP_BODY_LIMIT).toString('utf8');
    return { kind: 'answer', code: this.code ?? 0, body, reusable: reusable && this.keepAlive && this.pending.length === 0 };
  }

  private takeBody(size: number): void {
    const part = this.pending.subarray(0, size);
    this.pending = this.pending.subarray(size);
    this.body.push(part);
    this.bodySize += part.length;
  }

  /** One parsing step: an outcome, 'more' to step again, or null when more bytes are needed. */
  private step(): ReaderOutcome | 'more' | null {
    if (this.bodySize >= HTTP_BODY_LIMIT) return this.answer(false);
    switch (this.state) {
      case 'head':
        return this.readHead();
      case 'length': {
        const size = Math.min(this.remaining, this.pending.length);
        this.takeBody(size);
        this.remaining -= size;
        if (this.remaining === 0) return this.answer(true);
        return this.bodySize >= HTTP_BODY_LIMIT ? 'more' : null;
      }
      case 'close':
        this.takeBody(this.pending.length);
        return this.bodySize >= HTTP_BODY_LIMIT ? 'more' : null;
      case 'chunk-size': {
        const end = this.pending.indexOf(CRLF);
        if (end < 0) return this.pending.length > 1024 ? { kind: 'error', message: `HTTP ${String(this.code)}, then a bad chunk size` } : null;
        const line = this.pending.subarray(0, end).toString('latin1');
        this.pending = this.pending.subarray(end + 2);
        const sizeText = (line.split(';')[0] ?? '').trim();
        if (!/^[0-9a-fA-F]{1,12}$/.test(sizeText)) return { kind: 'error', message: `HTTP ${String(this.code)}, then a bad chunk size` };
        this.remaining = Number.parseInt(sizeText, 16);
        this.state = this.remaining === 0 ? 'trailers' : 'chunk-data';
        return 'more';
      }
      case 'chunk-data': {
        if (this.pending.length === 0) return null;
        const size = Math.min(this.remaining, this.pending.length);
        this.takeBody(size);
        this.remaining -= size;
        if (this.remaining === 0) this.state = 'chunk-end';
        return 'more';
      }
      case 'chunk-end':
        if (this.pending.length < 2) return null;
        if (this.pending[0] !== 13 || this.pending[1] !== 10) return { kind: 'error', message: `HTTP ${String(this.code)}, then a bad chunk` };
        this.pending = this.pending.subarray(2);
        this.state = 'chunk-size';
        return 'more';
      case 'trailers': {
        const end = this.pending.indexOf(CRLF);
        if (end < 0) return this.pending.length > HEAD_LIMIT ? { kind: 'error', message: `HTTP ${String(this.code)}, then trailers too large` } : null;
        this.pending = this.pending.subarray(end + 2);
        return end === 0 ? this.answer(true) : 'more';
      }
    }
  }

  private readHead(): ReaderOutcome | 'more' | null {
    const end = this.pending.indexOf(HEAD_END);
    if (end < 0) {
      if (this.pending.length > HEAD_LIMIT) return { kind: 'error', message: 'invalid HTTP response: headers too large' };
      // Fail-closed early on what cannot become a status line.
      const start = this.pending.subarray(0, 5).toString('latin1');
      return 'HTTP/'.startsWith(start) ? null : { kind: 'error', message: `invalid HTTP response: ${excerptText(this.pending.subarray(0, 200).toString('latin1'))}` };
    }
    const lines = this.pending.subarray(0, end).toString('latin1').split('\r\n');
    this.pending = this.pending.subarray(end + 4);
    const statusLine = /^HTTP\/1\.([01]) (\d{3})(?: .*)?$/.exec(lines[0] ?? '');
    if (statusLine === null) return { kind: 'error', message: `invalid HTTP response: ${excerptText(lines[0] ?? '')}` };
    const code = Number(statusLine[2]);
    let length: number | null = null;
    let chunked = false;
    let connection = '';
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon <= 0) return { kind: 'error', message: `invalid HTTP response header: ${excerptText(line)}` };
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === 'content-length') {
        if (!/^\d{1,15}$/.test(value) || (length !== null && length !== Number(value))) return { kind: 'error', message: `invalid HTTP response: Content-Length ${excerptText(value)}` };
        length = Number(value);
      } else if (name === 'transfer-encoding') {
        chunked = /(?:^|,)\s*chunked\s*$/i.test(value);
      } else if (name === 'connection') {
        connection = `${connection},${value.toLowerCase()}`;
      }
    }
    if (code >= 100 && code < 200 && code !== 101) return 'more'; // interim answer (103 Early Hints, 100): the real one follows
    this.code = code;
    const http10 = statusLine[1] === '0';
    this.keepAlive = http10 ? /(?:^|,)\s*keep-alive\s*(?:,|$)/.test(connection) : !/(?:^|,)\s*close\s*(?:,|$)/.test(connection);
    if (code === 101) {
      this.keepAlive = false;
      return this.answer(false);
    }
    if (code === 204 || code === 304) return this.answer(true);
    if (chunked) {
      this.state = 'chunk-size';
    } else if (length !== null) {
      if (length === 0) return this.answer(true);
      this.state = 'length';
      this.remaining = length;
    } else {
      this.state = 'close';
      this.keepAlive = false;
    }
    return 'more';
  }
}
