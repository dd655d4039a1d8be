// WebSocket (HTTP Upgrade) pass-through: a TCP connection to the upstream, the request head re-written with the
// edge's header rules, then bytes piped both ways with no buffering. The upstream's answer head is read first: only a
// 101 turns the connection into a tunnel; any other answer is relayed and the connection closed, so a client cannot
// keep a raw channel to an upstream that skips the edge's routing, auth and headers. A tunnel can be told to go away
// (drain deadline, shutdown): both sides get a WebSocket close frame with code 1001, then both sockets go.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { buildUpstreamHeaders, type PeerInfo } from './forwarded-headers.js';
import type { UpstreamSlot } from './upstream-pools.js';

const headEnd = Buffer.from('\r\n\r\n');
/** Largest upstream answer head the edge waits for before giving up on it. */
const maxHeadBytes = 16 * 1024;

/** An open (or opening) tunnel, as the edge keeps it. */
export interface Tunnel {
  readonly slot: UpstreamSlot;
  /** Ends the tunnel with close code 1001 on both sides (a tunnel not yet upgraded is just cut). */
  goAway(): void;
  destroy(): void;
}

/** Close frame, code 1001 (going away), no reason: server to client frames are unmasked (RFC 6455 §5.1). */
const goingAwayToClient = Buffer.from([0x88, 0x02, 0x03, 0xe9]);
/** Time a going-away tunnel gets to flush its close frames before both sockets are destroyed. */
const goAwayFlushMs = 1000;

/** The same close frame as a client sends it (to the upstream): masked with a random key. */
function goingAwayToUpstream(): Buffer {
  const mask = randomBytes(4);
  return Buffer.from([0x88, 0x82, mask[0] ?? 0, mask[1] ?? 0, mask[2] ?? 0, mask[3] ?? 0, 0x03 ^ (mask[0] ?? 0), 0xe9 ^ (mask[1] ?? 0)]);
}

/** Writes a minimal HTTP answer on a raw socket and closes it (refusals before any tunnel exists). */
export function refuseUpgrade(socket: Duplex, status: number, reason: string, extra = ''): void {
  if (socket.destroyed) return;
  const body = `${reason}\n`;
  socket.end(`HTTP/1.1 ${String(status)} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${String(body.length)}\r\n${extra}Connection: close\r\n\r\n${body}`);
}

/** The upgrade request head for the upstream: hop-by-hop headers stripped, then Connection/Upgrade set back. */
export function buildUpgradeHead(req: IncomingMessage, path: string, peer: PeerInfo, copied: readonly string[] | null, replace: readonly string[] | null): string {
  const headers = buildUpstreamHeaders(req, peer, replace);
  if (copied !== null) headers.push(...copied);
  let head = `${req.method ?? 'GET'} ${path} HTTP/1.1\r\n`;
  for (let i = 0; i < headers.length; i += 2) head += `${headers[i] ?? ''}: ${headers[i + 1] ?? ''}\r\n`;
  const upgrade = req.headers.upgrade ?? 'websocket';
  return `${head}connection: upgrade\r\nupgrade: ${upgrade}\r\n\r\n`;
}

/** Opens the tunnel. `onClosed` runs once when both sides are gone. */
export function proxyWebSocket(client: Socket, head: Buffer, slot: UpstreamSlot, requestHead: string, connectTimeoutMs: number, onClosed: () => void): Tunnel {
  const upstream = connect({ host: slot.upstream.host, port: slot.upstream.port });
  let answered = false;
  let switched = false;
  let closed = false;
  let pending: Buffer | null = null;
  slot.inflight++;

  const teardown = (): void => {
    if (closed) return;
    closed = true;
    slot.inflight--;
    upstream.destroy();
    client.destroy();
    onClosed();
  };
  const fail = (status: number, reason: string): void => {
    if (!answered) refuseUpgrade(client, status, reason);
    answered = true;
    upstream.destroy();
  };

  client.setTimeout(0);
  client.setNoDelay(true);
  client.on('error', teardown);
  client.on('close', teardown);
  upstream.setNoDelay(true);
  // Until the answer head is in, silence from the upstream is a timeout (504); after it, the tunnel has none.
  upstream.setTimeout(connectTimeoutMs, () => { fail(504, 'Gateway Timeout'); });
  upstream.on('error', () => { fail(502, 'Bad Gateway'); });
  upstream.on('close', () => {
    if (!answered) fail(502, 'Bad Gateway');
    // Let a relayed answer finish writing before the client socket goes.
    if (client.writableLength > 0 && !client.destroyed) client.end();
    else teardown();
  });
  client.on('finish', teardown);

  const onHead = (chunk: Buffer): void => {
    pending = pending === null ? chunk : Buffer.concat([pending, chunk]);
    const end = pending.indexOf(headEnd);
    if (end === -1) {
      if (pending.length > maxHeadBytes) fail(502, 'Bad Gateway');
      return;
    }
    answered = true;
    upstream.setTimeout(0);
    upstream.removeListener('data', onHead);
    const switching = pending.toString('latin1', 0, Math.min(end, 16)).startsWith('HTTP/1.1 101');
    client.write(pending);
    pending = null;
    upstream.pipe(client);
    if (switching) {
      switched = true;
      client.pipe(upstream);
    } else {
      // Not upgraded: relay this one answer, then close; nothing more from the client goes through.
      upstream.end();
    }
  };
  upstream.on('data', onHead);
  upstream.write(requestHead);
  if (head.length > 0) upstream.write(head);

  return {
    slot,
    destroy: teardown,
    goAway() {
      if (closed) return;
      if (!switched) {
        teardown();
        return;
      }
      // Why unpipe first: the close frames must not land inside a frame still being relayed. A frame already
      // half relayed is cut anyway; the peers see the close (or a protocol error) and the connection ends.
      upstream.unpipe(client);
      client.unpipe(upstream);
      upstream.end(goingAwayToUpstream());
      client.end(goingAwayToClient);
      setTimeout(teardown, goAwayFlushMs).unref();
    },
  };
}
