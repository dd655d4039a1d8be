// One plain HTTP request through the edge: admission, the body limit, the auth gate, then the route's target.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { startAccessRecord, type AccessRecord } from './access-record.js';
import { admitRequest } from './admit-request.js';
import { checkAuthGate, type AuthVerdict } from './auth-gate.js';
import type { EdgeRoute } from './edge-types.js';
import type { EdgeState } from './edge-state.js';
import { buildUpstreamHeaders, type PeerInfo } from './forwarded-headers.js';
import { sendPlainResponse } from './plain-response.js';
import { proxyRequest } from './proxy-request.js';
import { createRequestBodySource, hasRequestBody } from './request-body.js';
import { isTrustedPeer, normalizePeerAddress } from './trusted-proxies.js';

export function readPeerInfo(state: EdgeState, socket: Socket): PeerInfo {
  const address = normalizePeerAddress(socket.remoteAddress);
  return { address, trusted: isTrustedPeer(state.trusted, address), proto: (socket as Partial<TLSSocket>).encrypted === true ? 'https' : 'http' };
}

function isOverLimit(req: IncomingMessage, maxBody: number): boolean {
  const length = req.headers['content-length'];
  // Node's parser has already refused a malformed Content-Length; a chunked body is counted as it streams.
  return length !== undefined && Number(length) > maxBody;
}

export function handleRequest(state: EdgeState, req: IncomingMessage, res: ServerResponse): void {
  const record = startAccessRecord(req, res, state.onAccess);
  const peer = readPeerInfo(state, req.socket);
  const admitted = admitRequest(state, req, peer, record);
  if (admitted.kind === 'refuse') {
    const extra = admitted.retryAfter === null ? undefined : ['retry-after', String(admitted.retryAfter)];
    sendPlainResponse(res, admitted.status, { ...(admitted.text === undefined ? {} : { text: admitted.text }), ...(extra === undefined ? {} : { extra }), close: hasRequestBody(req) });
    return;
  }
  const route = admitted.route;
  if (isOverLimit(req, route.maxBody)) {
    // At once, without reading the body; the connection closes since the unread body is still coming.
    sendPlainResponse(res, 413, { close: true });
    return;
  }
  if (route.auth === null) {
    dispatchToTarget(state, req, res, route, admitted.forwardPath, peer, record, null);
    return;
  }
  void checkAuthGate(req, route.auth, peer, state.pools, state.authTimeoutMs).then((verdict) => {
    if (res.destroyed) return;
    if (verdict.kind === 'pass') dispatchToTarget(state, req, res, route, admitted.forwardPath, peer, record, verdict);
    else if (verdict.kind === 'deny') relayDenial(res, verdict, hasRequestBody(req));
    else sendPlainResponse(res, 500, { close: hasRequestBody(req) });
  });
}

function relayDenial(res: ServerResponse, verdict: Extract<AuthVerdict, { kind: 'deny' }>, close: boolean): void {
  if (close) verdict.headers.push('connection', 'close');
  res.writeHead(verdict.statusCode, verdict.headers);
  verdict.body.on('error', () => res.destroy());
  verdict.body.pipe(res);
}

function dispatchToTarget(
  state: EdgeState, req: IncomingMessage, res: ServerResponse, route: EdgeRoute, forwardPath: string,
  peer: PeerInfo, record: AccessRecord, auth: Extract<AuthVerdict, { kind: 'pass' }> | null,
): void {
  const target = route.target;
  if (target.kind === 'static') {
    if (state.serveStatic === undefined) sendPlainResponse(res, 500, { close: hasRequestBody(req) });
    else state.serveStatic(req, res, route, forwardPath);
    return;
  }
  if (target.kind !== 'service') return; // maintenance was answered at admission
  const headers = buildUpstreamHeaders(req, peer, auth?.names ?? null);
  if (auth !== null) for (const item of auth.copied) headers.push(item);
  const body = hasRequestBody(req) ? createRequestBodySource(req, route.maxBody) : null;
  if (body !== null && req.headers.expect?.toLowerCase() === '100-continue') res.writeContinue();
  proxyRequest(req, res, { upstreams: target.upstreams, path: forwardPath, headers, body }, state.proxy, record);
}
