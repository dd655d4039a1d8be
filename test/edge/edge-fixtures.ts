// Real-socket fixtures for edge tests: small node:http upstreams, an edge on 127.0.0.1:0 with a fake resolver, and a
// client that returns status, headers and body.
import { Agent, createServer, request, type IncomingHttpHeaders, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEdgeServer, type EdgeServer, type EdgeServerOptions, type RouteResolver } from '../../src/edge/edge-server.js';
import type { EdgeRoute, RouteTarget, Upstream } from '../../src/edge/edge-types.js';

export interface Running {
  readonly server: Server;
  readonly port: number;
  readonly upstream: Upstream;
  close(): Promise<void>;
}

export async function listen(server: Server): Promise<Running> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    upstream: { host: '127.0.0.1', port },
    close: () => new Promise<void>((resolve) => {
      server.close(() => { resolve(); });
      server.closeAllConnections();
    }),
  };
}

export function startUpstream(handler: RequestListener): Promise<Running> {
  return listen(createServer(handler));
}

/** An upstream that answers with its name and what it received. */
export function startEchoUpstream(name: string): Promise<Running> {
  return startUpstream((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ name, method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() }));
    });
  });
}

export function makeRoute(overrides: Partial<EdgeRoute> & { target: RouteTarget }): EdgeRoute {
  return { id: 'web#0', host: null, path: '/', stripPrefix: false, websocket: true, rateLimit: null, auth: null, maxBody: 10 * 1024 * 1024, ...overrides };
}

export function serviceTarget(...upstreams: Upstream[]): RouteTarget {
  return { kind: 'service', service: 'web', upstreams };
}

/** Routes by exact host; the path goes on unchanged. */
export function resolveByHost(routes: Record<string, EdgeRoute>): RouteResolver {
  return (host, path) => {
    const route = routes[host];
    return route === undefined ? null : { route, forwardPath: path };
  };
}

export async function startEdge(options: EdgeServerOptions): Promise<{ edge: EdgeServer; port: number; close(): Promise<void> }> {
  const edge = createEdgeServer(options);
  await new Promise<void>((resolve) => edge.listen(0, '127.0.0.1', resolve));
  return { edge, port: (edge.address() as AddressInfo).port, close: () => edge.closeEdge() };
}

export interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface SendOptions {
  readonly method?: string;
  readonly path?: string;
  readonly headers?: Record<string, string | string[]>;
  readonly body?: string | Buffer;
  readonly agent?: Agent;
}

export function send(port: number, options: SendOptions = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: options.method ?? 'GET', path: options.path ?? '/', headers: options.headers, agent: options.agent ?? false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }); });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

export function parseEcho(answer: Answer): { name: string; method: string; url: string; headers: IncomingHttpHeaders; body: string } {
  return JSON.parse(answer.body) as { name: string; method: string; url: string; headers: IncomingHttpHeaders; body: string };
}
