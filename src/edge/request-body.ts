// The client's request body as the upstream connection reads it: counted against the route's max_body as it streams, and
// restartable for a retry as long as no byte has been handed to the upstream.
import type { IncomingMessage } from 'node:http';

export class BodyTooLargeError extends Error {
  readonly code = 'BERTH_BODY_TOO_LARGE';
  constructor() {
    super('request body over the route limit');
  }
}

/** One per proxied request that has a body. `attempt()` gives the body for one try at the upstream. */
export interface RequestBodySource {
  /** Whether any byte has been handed to an upstream (then the request cannot be retried). */
  readonly started: boolean;
  readonly tooLarge: boolean;
  readonly received: number;
  attempt(): AsyncGenerator<Buffer, void, undefined>;
}

class BodySource implements RequestBodySource {
  started = false;
  tooLarge = false;
  received = 0;
  private generation = 0;
  private reading: Promise<IteratorResult<Buffer>> | null = null;
  private readonly chunks: AsyncIterator<Buffer>;

  constructor(req: IncomingMessage, private readonly limit: number) {
    // Why destroyOnReturn: false: an abandoned attempt (a failed try) ends its body iterator, and destroying the
    // IncomingMessage would destroy the client's socket before the edge could answer 502 or retry.
    this.chunks = req.iterator({ destroyOnReturn: false }) as AsyncIterator<Buffer>;
  }

  async *attempt(): AsyncGenerator<Buffer, void, undefined> {
    const generation = ++this.generation;
    for (;;) {
      // Why one shared read: a failed attempt may still be waiting for the client's next chunk when the retry
      // starts; both wait on the same read and only the current attempt takes the chunk, so no byte is lost or
      // reordered.
      this.reading ??= this.chunks.next();
      const result = await this.reading;
      if (generation !== this.generation) return;
      this.reading = null;
      if (result.done === true) return;
      const chunk = result.value;
      this.received += chunk.length;
      if (this.received > this.limit) {
        this.tooLarge = true;
        throw new BodyTooLargeError();
      }
      this.started = true;
      yield chunk;
    }
  }
}

export function createRequestBodySource(req: IncomingMessage, limit: number): RequestBodySource {
  return new BodySource(req, limit);
}

/** Whether a request carries a body at all (by its framing headers; a GET with neither has none). */
export function hasRequestBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}
