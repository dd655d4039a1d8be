// The edge's HTTP listener: routes each request with the current resolver and hands it to the proxy, the static
// hook or the maintenance page, after the rate limit, the body limit and the auth gate. Swapping the resolver is
// one assignment: requests in flight keep the route they were matched with, the listener never restarts.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { AccessSink, RouteCounters } from './access-record.js';
import { admitRequest } from './admit-request.js';
import { checkAuthGate } from './auth-gate.js';
import { countOpen, createEdgeState, pruneSlots, type EdgeState } from './edge-state.js';
import type { EdgeRoute, Upstream } from './edge-types.js';
import { handleRequest, readPeerInfo } from './handle-request.js';
import { reasonPhrase } from './plain-response.js';
import { buildUpgradeHead, proxyWebSocket, refuseUpgrade } from './proxy-websocket.js';
import { compileTrustedProxies } from './trusted-proxies.js';
import { createUpstreamPools, defaultUpstreamPoolOptions, type UpstreamPoolOptions } from './upstream-pools.js';

export interface ResolvedRoute {
  readonly route: EdgeRoute;
  /** The request target to send upstream (path and query; normalized, the prefix stripped when the route says so). */
  readonly forwardPath: string;
}
/** Matches a lower-case host (no port) and the origin-form request target (path and query, as sent) to a route.
 * The resolver owns path normalization: the edge forwards `forwardPath` as given (compileRouteTable's matcher
 * resolves dot segments and escapes so a route cannot be dodged). */
export type RouteResolver = (host: string, path: string) => ResolvedRoute | null;
export type RateLimitDecision = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number };
export type RateLimitHook = (route: EdgeRoute, clientIp: string) => RateLimitDecision;
export type ServeStaticHook = (req: IncomingMessage, res: ServerResponse, route: EdgeRoute, forwardPath: string) => void;

export interface EdgeServerOptions {
  readonly resolve: RouteResolver;
  readonly trustedProxies?: readonly string[];
  readonly serveStatic?: ServeStaticHook;
  readonly rateLimit?: RateLimitHook;
  readonly onAccess?: AccessSink;
  /** Upstream response headers due within this (else 504). Default 60 s, like nginx's proxy_read_timeout. */
  readonly upstreamHeadersTimeoutMs?: number;
  /** Longest silence inside an upstream response body. Default 300 s. */
  readonly upstreamBodyTimeoutMs?: number;
  readonly authTimeoutMs?: number;
  /** Client request headers due within this. Default 20 s (slowloris). */
  readonly headersTimeoutMs?: number;
  /** Whole client request (headers and body) due within this. Default 120 s. */
  readonly requestTimeoutMs?: number;
  /** Idle time of a client keep-alive connection between requests. Default 30 s. */
  readonly keepAliveTimeoutMs?: number;
  /** A client socket with no traffic either way this long is cut (slow readers, stalled uploads). Default 120 s. */
  readonly socketIdleTimeoutMs?: number;
  readonly pools?: UpstreamPoolOptions;
}

export interface EdgeServer extends Server {
  /** Replaces the route resolver (and the trusted proxies, when given) for every request from now on. */
  setRouteResolver(resolve: RouteResolver, trustedProxies?: readonly string[]): void;
  /** Counters per route id since start (a snapshot). */
  readRouteCounters(): Record<string, RouteCounters>;
  /** Closes the pools of upstreams not listed (after their running requests), e.g. after a route table swap. */
  retainUpstreams(upstreams: Iterable<Upstream>): void;
  /** Requests and WebSocket tunnels open to the upstreams with these `host:port` keys (also after a table swap
   * retired them). */
  countOpen(upstreamKeys: ReadonlySet<string>): { requests: number; webSockets: number };
  /** Closes WebSocket tunnels (to these upstream keys, or all for null) with close code 1001 on both sides;
   * returns how many. */
  closeWebSockets(upstreamKeys: ReadonlySet<string> | null): number;
  /** Closes the listener, every client connection and the upstream pools. */
  closeEdge(): Promise<void>;
}

function handleUpgrade(state: EdgeState, req: IncomingMessage, socket: Socket, head: Buffer): void {
  socket.on('error', () => { socket.destroy(); });
  const peer = readPeerInfo(state, socket);
  const admitted = admitRequest(state, req, peer, null);
  if (admitted.kind === 'refuse') {
    refuseUpgrade(socket, admitted.status, reasonPhrase(admitted.status), admitted.retryAfter === null ? '' : `Retry-After: ${String(admitted.retryAfter)}\r\n`);
    return;
  }
  const { route, forwardPath } = admitted;
  if (route.target.kind !== 'service' || !route.websocket) {
    refuseUpgrade(socket, 403, 'Forbidden');
    return;
  }
  const upstreams = route.target.upstreams;
  const slot = state.pools.pick(upstreams, null);
  if (slot === null) {
    refuseUpgrade(socket, 502, 'Bad Gateway');
    return;
  }
  const open = (copied: readonly string[] | null, replace: readonly string[] | null): void => {
    if (socket.destroyed) return;
    const tunnel = proxyWebSocket(socket, head, slot, buildUpgradeHead(req, forwardPath, peer, copied, replace), state.proxy.headersTimeoutMs, () => {
      state.tunnels.delete(socket);
    });
    state.tunnels.set(socket, tunnel); // teardown (and onClosed) only ever runs from socket events, after this
  };
  if (route.auth === null) {
    open(null, null);
    return;
  }
  void checkAuthGate(req, route.auth, peer, state.pools, state.authTimeoutMs).then((verdict) => {
    if (verdict.kind === 'pass') open(verdict.copied, verdict.names);
    else if (verdict.kind === 'deny') {
      verdict.body.resume();
      refuseUpgrade(socket, verdict.statusCode, verdict.statusCode === 401 ? 'Unauthorized' : 'Forbidden');
    } else refuseUpgrade(socket, 500, 'Internal Server Error');
  });
}

export function createEdgeServer(options: EdgeServerOptions): EdgeServer {
  const pools = createUpstreamPools(options.pools ?? defaultUpstreamPoolOptions);
  const state = createEdgeState(options, pools);
  const server = createServer({
    keepAlive: true,
    headersTimeout: options.headersTimeoutMs ?? 20_000,
    requestTimeout: options.requestTimeoutMs ?? 120_000,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 30_000,
    noDelay: true,
  }) as EdgeServer;
  server.timeout = options.socketIdleTimeoutMs ?? 120_000;
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    handleRequest(state, req, res);
  };
  server.on('request', onRequest);
  // Answering Expect: 100-continue ourselves (only once the request is admitted) lets a 413 or 401 go back
  // before the client sends a body nobody will read.
  server.on('checkContinue', onRequest);
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    handleUpgrade(state, req, socket, head);
  });
  server.on('clientError', (_error, socket: Socket) => {
    if (socket.writable && !socket.destroyed) socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  server.setRouteResolver = (resolve, trustedProxies) => {
    if (trustedProxies !== undefined) state.trusted = compileTrustedProxies(trustedProxies);
    state.resolve = resolve;
  };
  server.readRouteCounters = () => {
    const snapshot: Record<string, RouteCounters> = {};
    for (const [id, counters] of state.counters) snapshot[id] = { ...counters };
    return snapshot;
  };
  server.retainUpstreams = (upstreams) => {
    pools.retain(upstreams);
    pruneSlots(state);
  };
  server.countOpen = (keys) => countOpen(state, keys);
  server.closeWebSockets = (keys) => {
    let closed = 0;
    for (const tunnel of [...state.tunnels.values()]) {
      if (keys !== null && !keys.has(tunnel.slot.key)) continue;
      tunnel.goAway();
      closed++;
    }
    return closed;
  };
  server.closeEdge = async () => {
    for (const tunnel of [...state.tunnels.values()]) tunnel.destroy();
    await new Promise<void>((resolve) => {
      server.close(() => { resolve(); });
      server.closeAllConnections();
    });
    await pools.close();
  };
  return server;
}
