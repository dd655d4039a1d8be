// Per-request bookkeeping: what the access log gets (onAccess) and the per-route counters, filled when the response
// closes. One small object per request, finished by a shared listener (no closure per request).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';

export interface AccessEntry {
  /** Wall-clock time the request arrived, ms since the epoch. */
  readonly time: number;
  readonly method: string;
  /** The request target as the client sent it (path and query). */
  readonly path: string;
  /** Status sent, or 0 when the connection was cut before a response. */
  readonly status: number;
  /** Bytes written to the client for this response, headers included. */
  readonly bytes: number;
  readonly durationMs: number;
  /** `host:port` of the upstream that served it (internal: for logs, never for clients). */
  readonly upstream: string | null;
  readonly routeId: string | null;
  readonly clientIp: string;
}

export interface RouteCounters {
  requests: number;
  status2xx: number;
  status3xx: number;
  status4xx: number;
  status5xx: number;
  /** Connections cut before a complete response (client gone, upstream died mid-body). */
  aborted: number;
  bytesSent: number;
}

export type AccessSink = (entry: AccessEntry) => void;

/** What request handlers fill in as they learn it. */
export interface AccessRecord {
  upstream: string | null;
  routeId: string | null;
  counters: RouteCounters | null;
  clientIp: string;
}

class PendingAccess implements AccessRecord {
  upstream: string | null = null;
  routeId: string | null = null;
  counters: RouteCounters | null = null;
  clientIp = '';
  readonly time = Date.now();
  readonly started = performance.now();
  readonly bytesBefore: number;

  constructor(readonly req: IncomingMessage, readonly sink: AccessSink | undefined) {
    this.bytesBefore = req.socket.bytesWritten;
  }
}

const kRecord = Symbol('berth.accessRecord');
type RecordedResponse = ServerResponse & { [kRecord]?: PendingAccess | undefined };

function finishRecord(this: RecordedResponse): void {
  const record = this[kRecord];
  if (record === undefined) return;
  this[kRecord] = undefined;
  const status = this.headersSent ? this.statusCode : 0;
  const bytes = record.req.socket.bytesWritten - record.bytesBefore;
  const counters = record.counters;
  if (counters !== null) {
    counters.requests++;
    counters.bytesSent += bytes;
    if (!this.writableFinished) counters.aborted++;
    if (status >= 500) counters.status5xx++;
    else if (status >= 400) counters.status4xx++;
    else if (status >= 300) counters.status3xx++;
    else if (status >= 200) counters.status2xx++;
  }
  if (record.sink === undefined) return;
  record.sink({
    time: record.time,
    method: record.req.method ?? '',
    path: record.req.url ?? '',
    status,
    bytes,
    durationMs: performance.now() - record.started,
    upstream: record.upstream,
    routeId: record.routeId,
    clientIp: record.clientIp,
  });
}

/** Starts the record of one request; it is completed and reported when `res` closes. */
export function startAccessRecord(req: IncomingMessage, res: ServerResponse, sink: AccessSink | undefined): AccessRecord {
  const record = new PendingAccess(req, sink);
  (res as RecordedResponse)[kRecord] = record;
  res.on('close', finishRecord);
  return record;
}

export function createRouteCounters(): RouteCounters {
  return { requests: 0, status2xx: 0, status3xx: 0, status4xx: 0, status5xx: 0, aborted: 0, bytesSent: 0 };
}
