// A strict, incremental HTTP/1.1 response parser for the edge's upstream connections: the head (status line and
// header fields, 1xx answers skipped), then the body framed by Content-Length, chunked coding or the connection's
// close. Anything ambiguous (both Transfer-Encoding and Content-Length, differing lengths, a coding other than
// chunked, obs-fold, whitespace before a colon, bare CR or LF, control characters) is a protocol error: the caller
// answers 502 and never reuses the connection, so a confused upstream cannot desynchronize it.
import { badValue, parseResponseHead, type ResponseHead } from './response-head.js';

export { type ResponseHead } from './response-head.js';

/** Where the parsed pieces go; `onBody` chunks may be views into the socket's buffers, passed on as they come. */
export interface ResponseEvents {
  onHead(head: ResponseHead): void;
  onBody(chunk: Buffer): void;
  /** The response is complete; `keepAlive`: the connection may carry another request. */
  onComplete(keepAlive: boolean): void;
}

export class UpstreamProtocolError extends Error {
  readonly code = 'BERTH_UPSTREAM_PROTOCOL';
}

/** Longest response head (status line and fields) accepted, like Node's own default for requests. */
const maxHeadBytes = 64 * 1024;
const maxChunkLineBytes = 4096;

const enum State { Head, Length, UntilClose, ChunkSize, ChunkData, ChunkDataEnd, Trailers, Done }

const empty = Buffer.alloc(0);
const chunkSizeLine = /^([0-9a-fA-F]{1,13})[ \t]*(?:;[\t\x20-\x7e\x80-\xff]*)?$/;

export class ResponseParser {
  private state = State.Done;
  private noBody = false;
  private pending: Buffer | null = null;
  private remaining = 0;
  private line = '';
  private keepAlive = true;
  /** Bytes of the current response seen so far (0: the upstream has not begun to answer). */
  received = 0;

  constructor(private readonly events: ResponseEvents) {}

  /** Readies the parser for the response to a new request; `noBody`: the request was HEAD. */
  expect(noBody: boolean): void {
    this.state = State.Head;
    this.noBody = noBody;
    this.pending = null;
    this.received = 0;
    this.keepAlive = true;
  }

  /** Whether a response is being waited for or read. */
  get active(): boolean {
    return this.state !== State.Done;
  }

  /** Whether the response head has arrived (its body may still be coming). */
  get headDone(): boolean {
    return this.state !== State.Head && this.state !== State.Done;
  }

  /** Feeds bytes from the socket. Throws UpstreamProtocolError. */
  execute(chunk: Buffer): void {
    this.received += chunk.length;
    let data = chunk;
    while (data.length > 0) {
      switch (this.state) {
        case State.Done:
          throw new UpstreamProtocolError('bytes after the end of the response');
        case State.Head:
          data = this.readHead(data);
          break;
        case State.Length:
          if (data.length < this.remaining) {
            this.remaining -= data.length;
            this.events.onBody(data);
            return;
          }
          {
            const end = this.remaining;
            this.events.onBody(end === data.length ? data : data.subarray(0, end));
            this.complete(data.length - end);
          }
          return;
        case State.UntilClose:
          this.events.onBody(data);
          return;
        default:
          data = this.readChunked(data);
      }
    }
  }

  /** The upstream closed its side. True when that ends the response (a body read until close); false when the
   * response is cut short (or none was being read). */
  finishOnClose(): boolean {
    if (this.state !== State.UntilClose) return false;
    this.keepAlive = false;
    this.complete();
    return true;
  }

  /** `extra`: bytes left after the end of the response in this read. With one request at a time the upstream has
   * no business sending them: they are dropped and the connection is not reused. */
  private complete(extra = 0): void {
    if (extra > 0) this.keepAlive = false;
    this.state = State.Done;
    this.events.onComplete(this.keepAlive);
  }

  private readHead(data: Buffer): Buffer {
    let buffer = data;
    let searchFrom = 0;
    if (this.pending !== null) {
      searchFrom = Math.max(0, this.pending.length - 3);
      buffer = Buffer.concat([this.pending, data]);
      this.pending = null;
    }
    const end = buffer.indexOf('\r\n\r\n', searchFrom, 'latin1');
    if (end < 0) {
      if (buffer.length > maxHeadBytes) throw new UpstreamProtocolError('response head too large');
      this.pending = buffer;
      return empty;
    }
    if (end > maxHeadBytes) throw new UpstreamProtocolError('response head too large');
    const head = parseResponseHead(buffer.toString('latin1', 0, end));
    if (head === null) throw new UpstreamProtocolError('malformed response head');
    const rest = buffer.subarray(end + 4);
    if (head.status < 200) {
      // 100 Continue, 103 Early Hints: informational, the real answer follows. 101 was never asked for.
      if (head.status === 101) throw new UpstreamProtocolError('unexpected 101 Switching Protocols');
      return rest;
    }
    this.keepAlive = head.keepAlive;
    this.events.onHead(head);
    if (this.noBody || head.status === 204 || head.status === 304 || head.contentLength === 0) {
      this.complete(rest.length);
      return empty;
    } else if (head.chunked) {
      this.state = State.ChunkSize;
      this.line = '';
    } else if (head.contentLength > 0) {
      this.remaining = head.contentLength;
      this.state = State.Length;
    } else {
      this.keepAlive = false;
      this.state = State.UntilClose;
    }
    return rest;
  }

  /**
   * Adds `data` up to its first LF to the line being read (`this.line`); returns the bytes taken once the line is
   * whole (it then ends with CRLF), or -1 while it is not.
   */
  private takeLine(data: Buffer, limit: number, tooLong: string, bareLf: string): number {
    const lf = data.indexOf(10);
    const take = lf < 0 ? data.length : lf + 1;
    this.line += data.toString('latin1', 0, take);
    if (this.line.length > limit) throw new UpstreamProtocolError(tooLong);
    if (lf < 0) return -1;
    if (!this.line.endsWith('\r\n')) throw new UpstreamProtocolError(bareLf);
    return take;
  }

  private readChunked(data: Buffer): Buffer {
    switch (this.state) {
      case State.ChunkSize: {
        const take = this.takeLine(data, maxChunkLineBytes, 'chunk size line too long', 'bare LF in chunk size line');
        if (take < 0) return empty;
        const match = chunkSizeLine.exec(this.line.slice(0, -2));
        this.line = '';
        if (match === null) throw new UpstreamProtocolError('malformed chunk size');
        const size = Number.parseInt(match[1] as string, 16);
        if (size === 0) this.state = State.Trailers;
        else {
          this.remaining = size;
          this.state = State.ChunkData;
        }
        return data.subarray(take);
      }
      case State.ChunkData: {
        if (data.length <= this.remaining) {
          this.remaining -= data.length;
          this.events.onBody(data);
          if (this.remaining === 0) {
            this.state = State.ChunkDataEnd;
            this.remaining = 2;
          }
          return empty;
        }
        this.events.onBody(data.subarray(0, this.remaining));
        const rest = data.subarray(this.remaining);
        this.state = State.ChunkDataEnd;
        this.remaining = 2;
        return rest;
      }
      case State.ChunkDataEnd: {
        // The CRLF after a chunk's data, possibly split across reads.
        const expected = this.remaining === 2 ? 13 : 10;
        if (data[0] !== expected) throw new UpstreamProtocolError('missing CRLF after chunk data');
        this.remaining--;
        if (this.remaining === 0) {
          this.state = State.ChunkSize;
          this.line = '';
        }
        return data.subarray(1);
      }
      default: {
        // Trailer fields: read and dropped, up to the empty line that ends the message.
        const take = this.takeLine(data, maxHeadBytes, 'trailers too large', 'bare LF in trailers');
        if (take < 0) return empty;
        const done = this.line === '\r\n';
        if (!done && badValue.test(this.line.slice(0, -2))) throw new UpstreamProtocolError('control character in trailers');
        this.line = '';
        if (!done) return data.subarray(take);
        this.complete(data.length - take);
        return empty;
      }
    }
  }
}
