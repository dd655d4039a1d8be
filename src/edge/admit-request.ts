// The checks a request (plain or Upgrade) passes before anything is sent anywhere: a sane target, a route for its
// host and path, the route not in maintenance, and the client under the route's rate limit.
import type { IncomingMessage } from 'node:http';
import type { AccessRecord } from './access-record.js';
import type { EdgeRoute } from './edge-types.js';
import { readCountersFor, type EdgeState } from './edge-state.js';
import { resolveClientIp, type PeerInfo } from './forwarded-headers.js';
import { readRequestHost } from './request-target.js';

export type Admission =
  | { readonly kind: 'refuse'; readonly status: number; readonly text: string | undefined; readonly retryAfter: number | null }
  | {
    readonly kind: 'admit';
    readonly route: EdgeRoute;
    /** The upstream's request target (path and query). */
    readonly forwardPath: string;
    readonly clientIp: string;
  };

const badRequest: Admission = { kind: 'refuse', status: 400, text: undefined, retryAfter: null };
const notFound: Admission = { kind: 'refuse', status: 404, text: undefined, retryAfter: null };
const maintenance: Admission = {
  kind: 'refuse', status: 503, text: 'Service Unavailable: down for maintenance, back shortly.', retryAfter: null,
};

export function admitRequest(state: EdgeState, req: IncomingMessage, peer: PeerInfo, record: AccessRecord | null): Admission {
  if (record !== null) record.clientIp = peer.address;
  const url = req.url ?? '';
  // Only origin-form targets (`/path?query`): absolute-form and `*` are for forward proxies, not this edge.
  if (url.charCodeAt(0) !== 47 /* / */) return badRequest;
  const match = state.resolve(readRequestHost(req.headers.host), url);
  if (match === null) return notFound;
  const route = match.route;
  const clientIp = resolveClientIp(req.headers, peer, state.trusted);
  if (record !== null) {
    record.routeId = route.id;
    record.counters = readCountersFor(state, route.id);
    record.clientIp = clientIp;
  }
  if (route.target.kind === 'maintenance') return maintenance;
  if (route.rateLimit !== null && state.rateLimit !== undefined) {
    const decision = state.rateLimit(route, clientIp);
    if (!decision.allowed) {
      return { kind: 'refuse', status: 429, text: undefined, retryAfter: Math.max(1, Math.ceil(decision.retryAfterSeconds)) };
    }
  }
  return { kind: 'admit', route, forwardPath: match.forwardPath, clientIp };
}
