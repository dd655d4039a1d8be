// Which route a request takes. Ranking: exact host, then wildcard host (the longer suffix first), then any host; within
// a rank the longest path prefix wins; a rank with no matching path falls through to the next. Compiled once per table
// because it runs on every request.
import type { EdgeRoute, RouteTable } from './edge-types.js';
import { normalizeRequestPath } from './normalize-request-path.js';

export interface RouteMatch {
  readonly route: EdgeRoute;
  /** The path (and query) to send on: normalized, with the prefix removed when the route strips it. */
  readonly forwardPath: string;
}

export interface RouteMatcher {
  readonly table: RouteTable;
  /** `host` is the Host header as sent (port and case ignored); `path` the origin-form request target. */
  match(host: string | undefined, path: string): RouteMatch | null;
}

interface CompiledRoute {
  readonly route: EdgeRoute;
  /** The route's path without a trailing slash; '' for `/` (matches everything). */
  readonly prefix: string;
}

/** Precomputes host maps and prefix order for a table; reuse the matcher for every request under that table. */
export function compileRouteTable(table: RouteTable): RouteMatcher {
  const exact = new Map<string, CompiledRoute[]>();
  const wildcard = new Map<string, CompiledRoute[]>();
  const anyHost: CompiledRoute[] = [];
  for (const route of table.routes) {
    const compiled: CompiledRoute = { route, prefix: trimTrailingSlash(route.path) };
    const host = route.host?.toLowerCase() ?? null;
    if (host === null) anyHost.push(compiled);
    else if (host.startsWith('*.')) listFor(wildcard, host.slice(1)).push(compiled);
    else listFor(exact, host).push(compiled);
  }
  // Stable sort: between two routes with the same prefix, the one listed first in the table wins.
  const byLength = (a: CompiledRoute, b: CompiledRoute): number => b.prefix.length - a.prefix.length;
  for (const list of [...exact.values(), ...wildcard.values(), anyHost]) list.sort(byLength);
  const hasWildcards = wildcard.size > 0;

  return {
    table,
    match(rawHost, rawPath) {
      if (rawPath.charCodeAt(0) !== 47 /* / */) return null;
      const path = normalizeRequestPath(rawPath);
      const host = rawHost === undefined ? null : normalizeHost(rawHost);
      if (host !== null) {
        const found = matchPath(exact.get(host), path);
        if (found !== null) return found;
        if (hasWildcards) {
          // Longest suffix first: `a.b.example.com` tries `.b.example.com`, then `.example.com`, then `.com`.
          for (let dot = host.indexOf('.', 1); dot !== -1; dot = host.indexOf('.', dot + 1)) {
            const inWildcard = matchPath(wildcard.get(host.slice(dot)), path);
            if (inWildcard !== null) return inWildcard;
          }
        }
      }
      return matchPath(anyHost, path);
    },
  };
}

const compiledTables = new WeakMap<RouteTable, RouteMatcher>();

/** Matches one request against a table (compiling it on first use and caching the matcher per table object). */
export function matchRoute(table: RouteTable, host: string | undefined, path: string): RouteMatch | null {
  let matcher = compiledTables.get(table);
  if (matcher === undefined) {
    matcher = compileRouteTable(table);
    compiledTables.set(table, matcher);
  }
  return matcher.match(host, path);
}

function matchPath(routes: readonly CompiledRoute[] | undefined, path: string): RouteMatch | null {
  if (routes === undefined) return null;
  for (const { route, prefix } of routes) {
    if (!startsAtBoundary(path, prefix)) continue;
    return { route, forwardPath: route.stripPrefix ? stripPrefix(path, prefix) : path };
  }
  return null;
}

// `/api` claims `/api`, `/api/x` and `/api?q`, never `/apix`.
function startsAtBoundary(path: string, prefix: string): boolean {
  if (prefix === '') return true;
  if (!path.startsWith(prefix)) return false;
  if (path.length === prefix.length) return true;
  const next = path.charCodeAt(prefix.length);
  return next === 47 /* / */ || next === 63 /* ? */;
}

function stripPrefix(path: string, prefix: string): string {
  if (prefix === '') return path;
  const rest = path.slice(prefix.length);
  return rest === '' || rest.charCodeAt(0) === 63 /* ? */ ? `/${rest}` : rest;
}

// `Example.COM:8080` → `example.com`; `[::1]:80` → `[::1]`; a trailing dot (`example.com.`) is the same host.
function normalizeHost(raw: string): string {
  let end = raw.length;
  if (raw.charCodeAt(0) === 91 /* [ */) {
    const close = raw.indexOf(']');
    if (close !== -1) end = close + 1;
  } else {
    const colon = raw.lastIndexOf(':');
    if (colon !== -1) end = colon;
  }
  if (end > 0 && raw.charCodeAt(end - 1) === 46 /* . */) end -= 1;
  const host = end === raw.length ? raw : raw.slice(0, end);
  return hasUpperCase(host) ? host.toLowerCase() : host;
}

function hasUpperCase(text: string): boolean {
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code >= 65 && code <= 90) return true;
  }
  return false;
}

function trimTrailingSlash(path: string): string {
  let end = path.length;
  while (end > 0 && path.charCodeAt(end - 1) === 47) end -= 1;
  return path.slice(0, end);
}

function listFor(map: Map<string, CompiledRoute[]>, key: string): CompiledRoute[] {
  let list = map.get(key);
  if (list === undefined) {
    list = [];
    map.set(key, list);
  }
  return list;
}
