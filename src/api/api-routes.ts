// The control API over the Unix socket: HTTP + JSON, and an event stream (SSE). The CLI is its client.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EventStore } from '../state/event-store.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import { parseEventQuery } from '../state/event-query.js';
import { resolveServiceEnv } from './service-env.js';

export interface ApiContext {
  readonly supervisor: Supervisor;
  /** Stops the stack and then the daemon. */
  readonly shutdown: () => Promise<void>;
  /** The event log in state.db; null when the database could not be opened. */
  readonly events?: EventStore | null;
}

type Handler = (context: ApiContext, request: IncomingMessage, response: ServerResponse, params: URLSearchParams, match: RegExpExecArray) => Promise<void> | void;

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

function known(context: ApiContext, response: ServerResponse, name: string): boolean {
  if (context.supervisor.stack.services[name] !== undefined) return true;
  send(response, 404, { error: { code: 'BERTH_E_SERVICE_UNKNOWN', message: `service ${name} does not exist`, services: Object.keys(context.supervisor.stack.services) } });
  return false;
}

const ROUTES: readonly { readonly method: string; readonly path: RegExp; readonly handle: Handler }[] = [
  { method: 'GET', path: /^\/v1\/status$/, handle: (c, _q, r) => {
    send(r, 200, { stack: c.supervisor.stack.name, file: c.supervisor.stack.file, pid: process.pid, instances: c.supervisor.status() });
  } },
  { method: 'GET', path: /^\/v1\/wait$/, handle: async (c, _q, r, params) => {
    const result = await c.supervisor.waitReady(Number(params.get('timeout') ?? '60000'));
    // With every instance's status, so `berth up -d` prints its table without another request.
    send(r, 200, { ...result, instances: c.supervisor.status() });
  } },
  { method: 'GET', path: /^\/v1\/logs\/([a-z][a-z0-9_-]*)$/, handle: (c, _q, r, params, m) => {
    const name = m[1] ?? '';
    if (known(c, r, name)) send(r, 200, { lines: c.supervisor.logs(name).recent(Number(params.get('n') ?? '100')) });
  } },
  { method: 'POST', path: /^\/v1\/services\/([a-z][a-z0-9_-]*)\/(start|stop|restart)$/, handle: async (c, _q, r, _p, m) => {
    const name = m[1] ?? '';
    if (!known(c, r, name)) return;
    if (m[2] === 'stop') await c.supervisor.stop([name]);
    else if (m[2] === 'restart') await c.supervisor.restart([name]);
    else await c.supervisor.up([name]);
    send(r, 200, { ok: true, instances: c.supervisor.status().filter((s) => s.service === name) });
  } },
  { method: 'POST', path: /^\/v1\/down$/, handle: async (c, _q, r) => {
    // Stop everything before answering, so `berth down` returns only when nothing of the stack runs.
    await c.supervisor.down();
    send(r, 200, { ok: true });
    setImmediate(() => void c.shutdown());
  } },
  { method: 'GET', path: /^\/v1\/events\/history$/, handle: (c, _q, r, params) => {
    const query = parseEventQuery(params);
    if (!query.ok) send(r, 400, { error: { code: 'BERTH_E_API_BAD_QUERY', message: query.message } });
    else if (c.events === undefined || c.events === null) send(r, 503, { error: { code: 'BERTH_E_STATE_DB', message: 'the daemon could not open the state database; see .berth/daemon.log' } });
    else send(r, 200, { events: c.events.list(query.filter) });
  } },
  // The environment instance 1 of a service gets, late values filled from the running stack (for `berth exec`).
  // Only the stack's part: the caller adds its own environment below it. The socket is the owner's only (0600).
  { method: 'GET', path: /^\/v1\/services\/([a-z][a-z0-9_-]*)\/env$/, handle: (c, _q, r, _p, m) => {
    const name = m[1] ?? '';
    if (known(c, r, name)) send(r, 200, resolveServiceEnv(c.supervisor, name));
  } },
  { method: 'GET', path: /^\/v1\/events$/, handle: (c, q, r, params) => {
    r.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    r.write(': connected\n\n');
    const unsubscribe = c.supervisor.subscribe((event) => r.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`));
    const unsubscribeLogs = params.get('logs') === '0' ? () => undefined : c.supervisor.subscribeLogs((line) => r.write(`event: log\ndata: ${JSON.stringify(line)}\n\n`));
    q.on('close', () => {
      unsubscribe();
      unsubscribeLogs();
    });
  } },
];

/** Routes one request. */
export async function handleApiRequest(context: ApiContext, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://berth');
  for (const route of ROUTES) {
    const match = route.path.exec(url.pathname);
    if (match === null || route.method !== request.method) continue;
    try {
      await route.handle(context, request, response, url.searchParams, match);
    } catch (error) {
      if (!response.headersSent) send(response, 500, { error: { code: 'BERTH_E_INTERNAL', message: error instanceof Error ? error.message : String(error) } });
    }
    return;
  }
  send(response, 404, { error: { code: 'BERTH_E_API_NOT_FOUND', message: `no route ${request.method ?? ''} ${url.pathname}` } });
}
