// nginx auth_request semantics: before a request goes upstream, a GET with the client's headers (and no body) goes
// to the route's auth URL. A 2xx lets the request through with the listed headers of that answer copied onto it;
// 401 and 403 go back to the client as they are, with their body; anything else, or no answer, is a 500.
import type { IncomingMessage } from 'node:http';
import { PassThrough, type Readable } from 'node:stream';
import type { EdgeRoute, Upstream } from './edge-types.js';
import { appendForwardedHeaders, filterResponseHeaders, isHopByHopHeader, listConnectionTokens, type PeerInfo } from './forwarded-headers.js';
import type { ResponseHead } from './response-head.js';
import type { UpstreamConnection, UpstreamHandler, UpstreamRequest } from './upstream-connection.js';
import { toTicks } from './upstream-pool.js';
import type { UpstreamPools } from './upstream-pools.js';

export type AuthConfig = NonNullable<EdgeRoute['auth']>;

export type AuthVerdict =
  /** `copied`: flat [name, value, ...] list to add to the upstream request; `names`: every copied name, lower case
   * (the client's own values for them are dropped even when the auth answer lacks one). */
  | { readonly kind: 'pass'; readonly copied: string[]; readonly names: readonly string[] }
  | { readonly kind: 'deny'; readonly statusCode: number; readonly headers: string[]; readonly body: Readable }
  | { readonly kind: 'error' };

interface AuthTarget {
  readonly upstream: Upstream;
  readonly host: string;
  readonly path: string;
  readonly names: readonly string[];
}

const targets = new WeakMap<AuthConfig, AuthTarget | null>();
const errorVerdict: AuthVerdict = { kind: 'error' };

/** Parsed once per route table object; null for a URL the gate cannot call (only http:// is supported). */
function targetFor(auth: AuthConfig): AuthTarget | null {
  let target = targets.get(auth);
  if (target !== undefined) return target;
  try {
    const url = new URL(auth.url);
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    target = url.protocol !== 'http:' ? null : {
      upstream: { host, port: url.port === '' ? 80 : Number(url.port) },
      host: url.host,
      path: `${url.pathname}${url.search}`,
      names: auth.copyHeaders.map((name) => name.toLowerCase()),
    };
  } catch {
    target = null;
  }
  targets.set(auth, target);
  return target;
}

function buildAuthHeaders(req: IncomingMessage, peer: PeerInfo, host: string): string[] {
  const headers = req.headers;
  const named = listConnectionTokens(headers.connection);
  const out: string[] = ['host', host, 'x-original-uri', req.url ?? '/', 'x-original-method', req.method ?? 'GET'];
  for (const name in headers) {
    if (isHopByHopHeader(name) || named?.includes(name) === true) continue;
    // The subrequest has no body, and the edge sets these itself.
    switch (name) {
      case 'host': case 'content-length': case 'expect': case 'x-original-uri': case 'x-original-method':
      case 'x-forwarded-for': case 'x-forwarded-proto': case 'x-forwarded-host':
        continue;
    }
    const value = headers[name];
    if (typeof value === 'string') out.push(name, value);
    else if (value !== undefined) for (const item of value) out.push(name, item);
  }
  appendForwardedHeaders(out, headers, peer);
  return out;
}

/** One auth subrequest: settles the verdict at the answer's head; a 401/403's body streams on into `body`. */
class AuthCall implements UpstreamHandler, UpstreamRequest {
  connection: UpstreamConnection | null = null;
  readonly method = 'GET';
  readonly body = null;
  private denial: PassThrough | null = null;
  private settle: ((verdict: AuthVerdict) => void) | null = null;
  readonly verdict = new Promise<AuthVerdict>((resolve) => { this.settle = resolve; });

  constructor(private readonly target: AuthTarget, readonly path: string, readonly headers: readonly string[], readonly headersTicks: number) {}

  get bodyTicks(): number {
    return this.headersTicks;
  }

  onHead(head: ResponseHead): void {
    const status = head.status;
    if (status === 401 || status === 403) {
      this.denial = new PassThrough();
      this.decide({ kind: 'deny', statusCode: status, headers: filterResponseHeaders(head.headers), body: this.denial });
      return;
    }
    // Any other answer's body is read off and dropped, so the connection goes back to the pool.
    if (status < 200 || status > 299) {
      this.decide(errorVerdict);
      return;
    }
    const copied: string[] = [];
    for (const name of this.target.names) {
      for (let i = 0; i < head.headers.length; i += 2) if (head.headers[i] === name) copied.push(name, head.headers[i + 1] as string);
    }
    this.decide({ kind: 'pass', copied, names: this.target.names });
  }

  onData(chunk: Buffer): void {
    this.denial?.write(chunk);
  }

  onEnd(): void {
    this.denial?.end();
  }

  onError(): void {
    this.denial?.destroy(new Error('the auth service\'s answer was cut'));
    this.decide(errorVerdict);
  }

  private decide(verdict: AuthVerdict): void {
    this.settle?.(verdict);
    this.settle = null;
  }
}

/** Asks the auth service about `req`. Never throws: failures are the `error` verdict (a 500 for the client). */
export function checkAuthGate(req: IncomingMessage, auth: AuthConfig, peer: PeerInfo, pools: UpstreamPools, timeoutMs: number): Promise<AuthVerdict> {
  const target = targetFor(auth);
  if (target === null) return Promise.resolve(errorVerdict);
  const slot = pools.pick([target.upstream], null);
  if (slot === null) return Promise.resolve(errorVerdict);
  const call = new AuthCall(target, target.path, buildAuthHeaders(req, peer, target.host), toTicks(timeoutMs));
  slot.pool.dispatch(call, call, false);
  return call.verdict;
}
