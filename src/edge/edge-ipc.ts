// The messages between the daemon and the edge process (its cluster primary), and between the primary and its
// workers. Plain JSON over Node's IPC channel. The daemon talks to the primary only; the primary fans a message out
// to every worker and sums the answers, so the daemon never needs to know how many workers there are.
import type { RouteCounters } from './access-record.js';
import type { RouteTable, Upstream } from './edge-types.js';

/** How the edge process is started: handed over as the first message, before any table. */
export interface EdgeStartConfig {
  readonly address: string;
  readonly port: number;
  /** Worker processes (>= 1). */
  readonly workers: number;
  /** Folder of the access logs, one file per route (`<service>.<index>.access.log`), rotated like service logs. */
  readonly logDir: string;
  readonly logMaxSize: number;
  readonly logKeep: number;
  /** The HTTPS listener, or null when TLS is off (then nothing listens on the HTTPS port). */
  readonly https?: EdgeHttpsConfig | null;
}

export interface EdgeHttpsConfig {
  readonly port: number;
  /** Answer plain HTTP with a 308 to https:// (except `/.well-known/acme-challenge/`). */
  readonly redirectHttp: boolean;
  /** Send `Strict-Transport-Security: max-age=31536000` on HTTPS responses. */
  readonly hsts: boolean;
}

/** One certificate the edge serves, chosen by SNI: an exact name wins over a wildcard (`*.example.com`). */
export interface EdgeCert {
  /** Lower-case names it is served for (exact or `*.` wildcard). */
  readonly hosts: readonly string[];
  /** PEM: the certificate, then its chain. */
  readonly cert: string;
  /** PEM private key. Secret: never logged, never in an error. */
  readonly key: string;
}

export type DaemonToEdge =
  | { readonly type: 'start'; readonly config: EdgeStartConfig; readonly table: RouteTable; readonly certs?: readonly EdgeCert[] }
  /** Replaces the whole certificate set; new TLS handshakes use it, open connections keep theirs. */
  | { readonly type: 'certs'; readonly id: string; readonly certs: readonly EdgeCert[] }
  /** Replaces the HTTP-01 answers: `GET /.well-known/acme-challenge/TOKEN` on the HTTP port, any host, answers
   * the key authorization as text/plain (before routing, redirects and maintenance). */
  | { readonly type: 'challenges'; readonly id: string; readonly tokens: Readonly<Record<string, string>> }
  | { readonly type: 'table'; readonly table: RouteTable }
  /** Wait until no request or WebSocket of these upstreams is open in any worker; at the deadline close their
   * WebSockets with code 1001 (going away) and report. Sent after the table that no longer routes to them. */
  | { readonly type: 'drain'; readonly id: string; readonly upstreams: readonly Upstream[]; readonly deadlineMs: number }
  | { readonly type: 'counters'; readonly id: string };

export type EdgeToDaemon =
  /** Every worker listens and has the start table. */
  | { readonly type: 'listening'; readonly address: string; readonly port: number; readonly workers: number; readonly httpsPort?: number | null }
  /** The listener could not be opened (port in use, no permission): the edge process exits after sending this.
   * `port`: the one that failed (the HTTP or the HTTPS port). */
  | { readonly type: 'listen_failed'; readonly code: string; readonly message: string; readonly port?: number }
  /** Every worker serves the certificate set / challenge answers of that request. */
  | { readonly type: 'certs_applied'; readonly id: string }
  | { readonly type: 'challenges_applied'; readonly id: string }
  /** A table was applied by every worker. */
  | { readonly type: 'table_applied'; readonly version: number }
  | { readonly type: 'drained'; readonly id: string; readonly forced: boolean; readonly webSocketsClosed: number; readonly requestsLeft: number }
  /** Summed over the workers, per route id, since the edge started. */
  | { readonly type: 'counters'; readonly id: string; readonly routes: Record<string, RouteCounters> }
  /** A worker died and was replaced (the listener stayed open in the others). */
  | { readonly type: 'worker_exit'; readonly pid: number; readonly code: number | null; readonly signal: string | null };
