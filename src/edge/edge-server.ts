// The edge's listeners: plain HTTP, and HTTPS when configured, sharing one state and one set of handlers. Each
// request is routed with the current resolver and handed to the proxy, the static hook or the maintenance page,
// after the rate limit, the body limit and the auth gate. Swapping the resolver (or the certificate set, or the
// ACME answers) is one assignment: requests in flight keep the route they were matched with, connections keep the
// certificate they shook hands with, the listeners never restart.
// On plain HTTP, ACME HTTP-01 answers come first, then (with HTTPS and redirectHttp) the 308 to https://; on HTTPS
// every response gets Strict-Transport-Security when hsts is on.
import { createServer, type IncomingMessage, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { answerAcmeChallenge } from './acme-challenges.js';
import { startAccessRecord, type AccessSink, type RouteCounters } from './access-record.js';
import { admitRequest } from './admit-request.js';
import { checkAuthGate } from './auth-gate.js';
import type { EdgeCert, EdgeHttpsConfig } from './edge-ipc.js';
import { countOpen, createEdgeState, pruneSlots, type EdgeState } from './edge-state.js';
import type { EdgeRoute, Upstream } from './edge-types.js';
import { handleRequest, readPeerInfo } from './handle-request.js';
import { redirectToHttps, upgradeRedirectHead } from './https-redirect.js';
import { reasonPhrase } from './plain-response.js';
import { buildUpgradeHead, proxyWebSocket, refuseUpgrade } from './proxy-websocket.js';
import { compileTrustedProxies } from './trusted-proxies.js';
import { createTlsContexts, edgeTlsOptions, type CertProblem } from './tls-contexts.js';
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
  /** Also serve HTTPS (on `httpsServer`, which the caller makes listen on `https.port`); null/absent: HTTP only. */
  readonly https?: EdgeHttpsConfig | null;
  /** The certificate set to start with (see setCerts). */
  readonly certs?: readonly EdgeCert[];
  /** A TLS handshake must finish within this. Default 10 s. */
  readonly tlsHandshakeTimeoutMs?: number;
}

const hstsValue = 'max-age=31536000';

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
  /** The HTTPS listener (same routes, pools, counters and access log), or null without `https`. */
  readonly httpsServer: HttpsServer | null;
  /** Replaces the certificate set for new TLS handshakes (open connections keep theirs). A certificate that does
   * not load is skipped (its hosts keep their previous one) and returned; none of this names a key. */
  setCerts(certs: readonly EdgeCert[]): CertProblem[];
  /** Replaces the HTTP-01 answers (token → key authorization). */
  setChallenges(tokens: Readonly<Record<string, string>>): void;
  /** Stops accepting on every listener; resolves once all their connections closed. */
  closeListeners(): Promise<void>;
  /** Closes the idle keep-alive connections of every listener. */
  closeIdleEdgeConnections(): void;
  /** Closes the listeners, every client connection and the upstream pools. */
  closeEdge(): Promise<void>;
}

function handleUpgrade(state: EdgeState, req: IncomingMessage, socket: Socket, head: Buffer, plainHttp: boolean): void {
  socket.on('error', () => { socket.destroy(); });
  if (plainHttp && state.https?.redirectHttp === true) {
    const location = upgradeRedirectHead(req, state.https.port);
    if (location === null) refuseUpgrade(socket, 400, 'Bad Request');
    else refuseUpgrade(socket, 308, 'Permanent Redirect', location);
    return;
  }
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

/** A request answered on plain HTTP before admission (ACME answer, redirect): logged and counted as unrouted. */
function recordUnrouted(state: EdgeState, req: IncomingMessage, res: ServerResponse): void {
  startAccessRecord(req, res, state.onAccess).clientIp = readPeerInfo(state, req.socket).address;
}

function attachHandlers(server: Server, state: EdgeState, plainHttp: boolean, socketIdleTimeoutMs: number): void {
  server.timeout = socketIdleTimeoutMs;
  const onRequest = plainHttp
    ? (req: IncomingMessage, res: ServerResponse): void => {
      const https = state.https;
      if (answerAcmeChallenge(state.challenges, https !== null, req, res)) recordUnrouted(state, req, res);
      else if (https?.redirectHttp === true) {
        recordUnrouted(state, req, res);
        redirectToHttps(req, res, https.port);
      } else handleRequest(state, req, res);
    }
    : (req: IncomingMessage, res: ServerResponse): void => {
      if (state.https?.hsts === true) res.setHeader('strict-transport-security', hstsValue);
      handleRequest(state, req, res);
    };
  server.on('request', onRequest);
  // Answering Expect: 100-continue ourselves (only once the request is admitted) lets a 413 or 401 go back
  // before the client sends a body nobody will read.
  server.on('checkContinue', onRequest);
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    handleUpgrade(state, req, socket, head, plainHttp);
  });
  server.on('clientError', (_error, socket: Socket) => {
    if (socket.writable && !socket.destroyed) socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => { server.close(() => { resolve(); }); });
}

export function createEdgeServer(options: EdgeServerOptions): EdgeServer {
  const pools = createUpstreamPools(options.pools ?? defaultUpstreamPoolOptions);
  const state = createEdgeState(options, pools);
  const httpOptions: ServerOptions = {
    keepAlive: true,
    headersTimeout: options.headersTimeoutMs ?? 20_000,
    requestTimeout: options.requestTimeoutMs ?? 120_000,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 30_000,
    noDelay: true,
  };
  const socketIdleTimeoutMs = options.socketIdleTimeoutMs ?? 120_000;
  const server = createServer(httpOptions) as EdgeServer;
  attachHandlers(server, state, true, socketIdleTimeoutMs);
  const tls = createTlsContexts(options.certs ?? []);
  let httpsServer: HttpsServer | null = null;
  if (state.https !== null) {
    // No certificate of its own: a handshake without SNI, or for a name no certificate covers, fails.
    httpsServer = createHttpsServer({
      ...httpOptions,
      ...edgeTlsOptions,
      SNICallback: tls.sniCallback,
      handshakeTimeout: options.tlsHandshakeTimeoutMs ?? 10_000,
    });
    attachHandlers(httpsServer, state, false, socketIdleTimeoutMs);
  }
  const listeners: Server[] = httpsServer === null ? [server] : [server, httpsServer];
  Object.defineProperty(server, 'httpsServer', { value: httpsServer, enumerable: true });
  server.setCerts = (certs) => tls.set(certs);
  server.setChallenges = (tokens) => {
    state.challenges = new Map(Object.entries(tokens));
  };
  server.closeListeners = async () => {
    await Promise.all(listeners.map(closeServer));
  };
  server.closeIdleEdgeConnections = () => {
    for (const listener of listeners) listener.closeIdleConnections();
  };
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
    const closed = Promise.all(listeners.map(closeServer));
    for (const listener of listeners) listener.closeAllConnections();
    await closed;
    await pools.close();
  };
  return server;
}
