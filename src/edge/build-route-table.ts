// The route table from the ResolvedStack: every service's `routes`, each pointing at the service's live upstreams or,
// for a `static:` service, at its folder. Pure: the daemon calls it on every change and ships the result over IPC.
import type { ResolvedService, ResolvedStack } from '../config/resolved-stack.js';
import { parseSize } from '../shared/size.js';
import type { EdgeRoute, RouteTable, RouteTarget, Upstream } from './edge-types.js';

type RouteOutput = ResolvedService['routes'][number];

/** Builds the table the edge workers route by; `upstreams` gives the ready addresses of a service; the routes of
 * services in `maintenance` answer 503. */
export function buildRouteTable(stack: ResolvedStack, upstreams: (service: string) => readonly Upstream[], version: number, maintenance: ReadonlySet<string> = new Set()): RouteTable {
  const routes: EdgeRoute[] = [];
  for (const service of Object.values(stack.services)) {
    if (service.routes.length === 0) continue;
    const target: RouteTarget = maintenance.has(service.name) ? { kind: 'maintenance', service: service.name } : targetOf(service, upstreams);
    service.routes.forEach((route, index) => {
      routes.push(toEdgeRoute(route, `${service.name}#${String(index)}`, target));
    });
  }
  return { version, routes, trustedProxies: [...(stack.edge?.trusted_proxies ?? [])] };
}

function targetOf(service: ResolvedService, upstreams: (service: string) => readonly Upstream[]): RouteTarget {
  if (service.static !== null) return { kind: 'static', service: service.name, dir: service.static.dir, fallback: service.static.fallback };
  // Copied into plain objects: the table crosses IPC and must not share (or freeze) the caller's arrays.
  return { kind: 'service', service: service.name, upstreams: upstreams(service.name).map(({ host, port }) => ({ host, port })) };
}

function toEdgeRoute(route: RouteOutput, id: string, target: RouteTarget): EdgeRoute {
  const maxBody = parseSize(route.max_body);
  // The schema validated max_body; reaching this means the table builder was handed unvalidated data.
  if (maxBody === undefined) throw new Error(`route ${id}: max_body ${String(route.max_body)} is not a size`);
  return {
    id,
    host: route.host === undefined ? null : route.host.toLowerCase(),
    path: route.path,
    stripPrefix: route.strip_prefix,
    websocket: route.websocket,
    rateLimit: route.rate_limit === undefined ? null : { rps: route.rate_limit.rps, burst: route.rate_limit.burst ?? defaultBurst(route.rate_limit.rps) },
    // Header names are case-insensitive; lower case lets the proxy copy them without comparing case by case.
    auth: route.auth === undefined ? null : { url: route.auth.url, copyHeaders: route.auth.copy_headers.map((name) => name.toLowerCase()) },
    maxBody,
    target,
  };
}

// Why not plain `rps`: a fractional rate (0.5 rps) would give a bucket that never holds a whole token, refusing every
// request. The burst is the bucket's size, so it needs room for at least one request.
function defaultBurst(rps: number): number {
  return Math.max(1, Math.ceil(rps));
}
