// One worker's part of a drain: wait until no request or WebSocket tunnel to the given upstreams is open here; at the
// deadline close the tunnels that are left with code 1001 and report what was still open. Polls the server's counts
// (a drain is rare and short; polling keeps the request path free of drain hooks).
import type { EdgeServer } from './edge-server.js';
import type { Upstream } from './edge-types.js';

export interface DrainOutcome {
  /** Something was still open at the deadline. */
  readonly forced: boolean;
  readonly webSocketsClosed: number;
  /** HTTP requests to those upstreams still running at the deadline (left to finish or fail with the upstream). */
  readonly requestsLeft: number;
}

export function upstreamKeys(upstreams: readonly Upstream[]): Set<string> {
  return new Set(upstreams.map((upstream) => `${upstream.host}:${String(upstream.port)}`));
}

/** Resolves once nothing to `upstreams` is open, or at `deadlineMs` from now after closing their WebSockets. */
export function drainUpstreams(server: Pick<EdgeServer, 'countOpen' | 'closeWebSockets'>, upstreams: readonly Upstream[], deadlineMs: number, pollMs = 25): Promise<DrainOutcome> {
  const keys = upstreamKeys(upstreams);
  const deadline = Date.now() + Math.max(0, deadlineMs);
  return new Promise((resolve) => {
    const check = (): void => {
      const open = server.countOpen(keys);
      if (open.requests === 0 && open.webSockets === 0) {
        resolve({ forced: false, webSocketsClosed: 0, requestsLeft: 0 });
        return;
      }
      if (Date.now() >= deadline) {
        const webSocketsClosed = server.closeWebSockets(keys);
        resolve({ forced: true, webSocketsClosed, requestsLeft: open.requests });
        return;
      }
      setTimeout(check, Math.min(pollMs, Math.max(1, deadline - Date.now())));
    };
    check();
  });
}
