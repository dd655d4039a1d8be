// Header rules between the client and an upstream: hop-by-hop headers (and every header the Connection header
// names) never cross the edge, in either direction; X-Forwarded-For/-Proto/-Host are set by the edge and taken
// from the request only when the direct peer is a trusted proxy.
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { isTrustedPeer, type TrustedProxies } from './trusted-proxies.js';

/** What the edge knows about the connection a request came in on. */
export interface PeerInfo {
  /** The direct peer's address (normalized, see normalizePeerAddress). */
  readonly address: string;
  /** Whether that peer may vouch for the client with X-Forwarded-* headers. */
  readonly trusted: boolean;
  readonly proto: 'http' | 'https';
}

/** The fixed hop-by-hop set (RFC 9110 §7.6.1 plus the legacy Proxy-Connection), lower case. */
export function isHopByHopHeader(name: string): boolean {
  switch (name) {
    case 'connection':
    case 'keep-alive':
    case 'proxy-connection':
    case 'te':
    case 'trailer':
    case 'transfer-encoding':
    case 'upgrade':
      return true;
    default:
      return false;
  }
}

/** Extra header names listed in a Connection header (lower case), or null when it lists only the usual
 * close/keep-alive/upgrade, which is nearly always: no array is allocated then. */
export function listConnectionTokens(value: string | string[] | undefined): string[] | null {
  if (value === undefined) return null;
  const joined = typeof value === 'string' ? value : value.join(',');
  let tokens: string[] | null = null;
  for (const raw of joined.split(',')) {
    const token = raw.trim().toLowerCase();
    if (token === '' || token === 'close' || token === 'keep-alive' || token === 'upgrade') continue;
    (tokens ??= []).push(token);
  }
  return tokens;
}

function isForwardedHeader(name: string): boolean {
  return name === 'x-forwarded-for' || name === 'x-forwarded-proto' || name === 'x-forwarded-host';
}

/** The request headers for the upstream as a flat [name, value, ...] list.
 * `replace` holds lower-case names that the caller adds itself afterwards (the auth gate's copied headers), so the
 * client cannot smuggle its own values for them. The Host header is kept: apps route and build URLs on it. */
export function buildUpstreamHeaders(req: IncomingMessage, peer: PeerInfo, replace: readonly string[] | null): string[] {
  const headers = req.headers;
  const named = listConnectionTokens(headers.connection);
  const out: string[] = [];
  for (const name in headers) {
    // Expect: the edge answers 100-continue itself (once the request is admitted).
    if (isHopByHopHeader(name) || name === 'expect' || isForwardedHeader(name)) continue;
    if (named?.includes(name) === true || replace?.includes(name) === true) continue;
    // Forwarded and X-Real-IP carry client addresses too: from an untrusted peer they are spoofing attempts.
    if (!peer.trusted && (name === 'forwarded' || name === 'x-real-ip')) continue;
    const value = headers[name];
    if (typeof value === 'string') out.push(name, value);
    else if (value !== undefined) for (const item of value) out.push(name, item);
  }
  appendForwardedHeaders(out, headers, peer);
  return out;
}

/** Pushes X-Forwarded-For/-Proto/-Host: the incoming chain is extended only for a trusted peer, otherwise replaced. */
export function appendForwardedHeaders(out: string[], headers: IncomingHttpHeaders, peer: PeerInfo): void {
  const incoming = peer.trusted ? headers['x-forwarded-for'] : undefined;
  const chain = Array.isArray(incoming) ? incoming.join(', ') : incoming;
  out.push('x-forwarded-for', chain === undefined || chain === '' ? peer.address : `${chain}, ${peer.address}`);
  const proto = peer.trusted ? firstValue(headers['x-forwarded-proto']) : undefined;
  out.push('x-forwarded-proto', proto ?? peer.proto);
  const host = (peer.trusted ? firstValue(headers['x-forwarded-host']) : undefined) ?? headers.host;
  if (host !== undefined) out.push('x-forwarded-host', host);
}

function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The upstream's response headers (a flat [name, value, ...] list, names lower case) for the client as a flat list
 * for `res.writeHead`, hop-by-hop ones dropped. */
export function filterResponseHeaders(headers: readonly string[]): string[] {
  let named: string[] | null = null;
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i] !== 'connection') continue;
    const tokens = listConnectionTokens(headers[i + 1]);
    if (tokens !== null) (named ??= []).push(...tokens);
  }
  const out: string[] = [];
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i] as string;
    if (isHopByHopHeader(name) || named?.includes(name) === true) continue;
    out.push(name, headers[i + 1] as string);
  }
  return out;
}

/** The client's address for rate limiting and logs: the peer itself, or, behind trusted proxies, the nearest
 * address in X-Forwarded-For that is not one of them (entries further left are the client's own claims). */
export function resolveClientIp(headers: IncomingHttpHeaders, peer: PeerInfo, trusted: TrustedProxies): string {
  const incoming = peer.trusted ? headers['x-forwarded-for'] : undefined;
  const chain = Array.isArray(incoming) ? incoming.join(',') : incoming;
  if (chain === undefined || chain === '') return peer.address;
  const hops = chain.split(',');
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = (hops[i] ?? '').trim();
    // A hop that is not an IP cannot be a trusted proxy (and BlockList would throw on it).
    if (hop !== '' && (isIP(hop) === 0 || !isTrustedPeer(trusted, hop))) return hop;
  }
  return (hops[0] ?? '').trim() || peer.address;
}
