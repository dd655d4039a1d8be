// The messages between the edge's cluster primary and its workers (plain JSON over the cluster IPC channel). The
// daemon never sees these: the primary fans its requests out and sums the answers (see edge-ipc.ts).
import type { RouteCounters } from './access-record.js';
import type { EdgeCert, EdgeHttpsConfig } from './edge-ipc.js';
import type { RouteTable, Upstream } from './edge-types.js';

export type PrimaryToWorker =
  /** The answer to `hello`: where to listen (HTTPS too when `https` is set), the table, the newest certificate set
   * and ACME answers to start with. */
  | {
    readonly type: 'init'; readonly address: string; readonly port: number; readonly table: RouteTable;
    readonly https: EdgeHttpsConfig | null; readonly certs: readonly EdgeCert[]; readonly challenges: Readonly<Record<string, string>>;
  }
  | { readonly type: 'table'; readonly table: RouteTable }
  /** Replaces the certificate set; answered with `certs_applied`. */
  | { readonly type: 'certs'; readonly id: string; readonly certs: readonly EdgeCert[] }
  /** Replaces the ACME answers; answered with `challenges_applied`. */
  | { readonly type: 'challenges'; readonly id: string; readonly tokens: Readonly<Record<string, string>> }
  /** `deadlineMs`: milliseconds from now. */
  | { readonly type: 'drain'; readonly id: string; readonly upstreams: readonly Upstream[]; readonly deadlineMs: number }
  | { readonly type: 'counters'; readonly id: string };

export type WorkerToPrimary =
  /** Sent once the worker listens for messages, so `init` cannot arrive before its listener. */
  | { readonly type: 'hello' }
  /** Every listener is open. `version`: the table the worker serves. */
  | { readonly type: 'listening'; readonly address: string; readonly port: number; readonly httpsPort: number | null; readonly version: number }
  /** `port`: the one that could not be opened. */
  | { readonly type: 'listen_failed'; readonly code: string; readonly message: string; readonly port: number }
  | { readonly type: 'certs_applied'; readonly id: string }
  | { readonly type: 'challenges_applied'; readonly id: string }
  /** The table the worker serves after a `table` message (newer or not). */
  | { readonly type: 'table_applied'; readonly version: number }
  | { readonly type: 'drained'; readonly id: string; readonly forced: boolean; readonly webSocketsClosed: number; readonly requestsLeft: number }
  | { readonly type: 'counters'; readonly id: string; readonly routes: Record<string, RouteCounters> }
  /** Access log lines (newline-terminated JSON) by route id; the key `''` holds requests no route matched. */
  | { readonly type: 'access'; readonly lines: Record<string, string> };
