// The edge's data: the route table the daemon hands to each edge worker (plain JSON, so it crosses IPC), and what
// a matched request carries. Built by a pure function from the ResolvedStack plus the live upstream addresses.

/** One backend address of a routed service (one per ready instance; `replicas` are balanced across them). */
export interface Upstream {
  readonly host: string;
  readonly port: number;
}

/** Where a route sends its requests: a service's ready instances, or a folder the edge serves itself. */
export type RouteTarget =
  | { readonly kind: 'service'; readonly service: string; readonly upstreams: readonly Upstream[] }
  | { readonly kind: 'static'; readonly service: string; readonly dir: string; readonly fallback: string | null }
  | { readonly kind: 'maintenance'; readonly service: string };

export interface EdgeRoute {
  /** Stable id (`service#index`), used for access logs and counters. */
  readonly id: string;
  /** Exact host (`app.example.com`), wildcard (`*.example.com`), or null for any host. Lower case. */
  readonly host: string | null;
  /** Path prefix, starting with `/`. A prefix matches at a segment boundary: `/api` matches `/api` and `/api/x`,
   * not `/apix`. */
  readonly path: string;
  readonly stripPrefix: boolean;
  readonly websocket: boolean;
  readonly rateLimit: { readonly rps: number; readonly burst: number } | null;
  readonly auth: { readonly url: string; readonly copyHeaders: readonly string[] } | null;
  /** Largest request body in bytes (413 above it). */
  readonly maxBody: number;
  readonly target: RouteTarget;
}

export interface RouteTable {
  /** Bumped by the daemon on every change; a worker ignores a table older than the one it has. */
  readonly version: number;
  readonly routes: readonly EdgeRoute[];
  /** Addresses (IPs or CIDRs) whose X-Forwarded-* headers are trusted. */
  readonly trustedProxies: readonly string[];
}
