// The control API over the Unix socket: HTTP + JSON, and an event stream (SSE). The CLI is its client.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AlertController } from '../daemon/alert-controller.js';
import type { BackupController } from '../daemon/backup-controller.js';
import type { DeployController } from '../daemon/deploy-controller.js';
import type { EdgeController } from '../daemon/edge-controller.js';
import type { JobController } from '../daemon/job-controller.js';
import type { ErrorCode } from '../errors/catalog.js';
import { createDiagnostic, type DiagnosticParams } from '../errors/diagnostic.js';
import { parseDuration } from '../shared/duration.js';
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
  /** The edge, when something is routed. */
  readonly edge?: EdgeController | null;
  /** Backups, when a service can be backed up. */
  readonly backups?: BackupController | null;
  /** Scheduled jobs, when `jobs:` has any. */
  readonly jobs?: JobController | null;
  /** Alerts, when `alerts:` lists a channel. */
  readonly alerts?: AlertController | null;
  /** Deploys (the controller is made on first use). */
  readonly deploys?: () => Promise<DeployController>;
}

type Handler = (context: ApiContext, request: IncomingMessage, response: ServerResponse, params: URLSearchParams, match: RegExpExecArray) => Promise<void> | void;

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

/** An error answer from the catalog: `{ error: { code, message, hint } }` plus anything extra. */
function sendError(response: ServerResponse, status: number, code: ErrorCode, params: DiagnosticParams, extra: { readonly error?: Record<string, unknown>; readonly [key: string]: unknown } = {}): void {
  const { message, hint } = createDiagnostic(code, { params });
  const { error, ...rest } = extra;
  send(response, status, { error: { code, message, hint, ...error }, ...rest });
}

function known(context: ApiContext, response: ServerResponse, name: string): boolean {
  if (context.supervisor.stack.services[name] !== undefined) return true;
  const services = Object.keys(context.supervisor.stack.services);
  sendError(response, 404, 'BERTH_E_SERVICE_UNKNOWN', { service: name, known: services.join(', ') }, { error: { services } });
  return false;
}

const ROUTES: readonly { readonly method: string; readonly path: RegExp; readonly handle: Handler }[] = [
  { method: 'GET', path: /^\/v1\/status$/, handle: async (c, _q, r) => {
    send(r, 200, { stack: c.supervisor.stack.name, file: c.supervisor.stack.file, pid: process.pid, instances: c.supervisor.status(), edge: (await c.edge?.status()) ?? null, jobs: c.jobs?.status() ?? [] });
  } },
  { method: 'GET', path: /^\/v1\/backups$/, handle: (c, _q, r, params) => {
    const service = params.get('service');
    if (service !== null && !known(c, r, service)) return;
    send(r, 200, { backups: c.backups?.list(service ?? undefined) ?? [] });
  } },
  // `berth backup [SERVICE...]`: runs now and answers when every backup is verified or failed.
  { method: 'POST', path: /^\/v1\/backups\/run$/, handle: async (c, _q, r, params) => {
    const names = params.getAll('service');
    for (const name of names) if (!known(c, r, name)) return;
    const backups = c.backups;
    const possible = backups?.services() ?? [];
    const refused = names.filter((name) => !possible.includes(name));
    if (backups === undefined || backups === null || refused.length > 0) {
      sendError(r, 400, 'BERTH_E_BACKUP_NONE', { services: refused.length > 0 ? refused.join(', ') : 'this stack', known: possible.length === 0 ? 'none' : possible.join(', ') });
      return;
    }
    const records = await Promise.all((names.length > 0 ? names : possible).map((name) => backups.run(name, 'manual')));
    send(r, 200, { backups: records });
  } },
  { method: 'POST', path: /^\/v1\/restore$/, handle: async (c, _q, r, params) => {
    const name = params.get('service') ?? '';
    if (!known(c, r, name)) return;
    if (c.backups === undefined || c.backups === null) {
      sendError(r, 400, 'BERTH_E_BACKUP_NONE', { services: name, known: 'none' });
      return;
    }
    const result = await c.backups.restore(name, params.get('backup'), params.get('to'), params.get('safety') !== '0');
    if (result.ok) send(r, 200, result);
    else sendError(r, result.code === 'BERTH_E_BACKUP_NOT_FOUND' ? 404 : 409, result.code, { service: name, reason: result.reason });
  } },
  { method: 'GET', path: /^\/v1\/certs$/, handle: (c, _q, r) => {
    send(r, 200, { certs: c.edge?.certs() ?? [] });
  } },
  { method: 'POST', path: /^\/v1\/certs\/renew$/, handle: async (c, _q, r, params) => {
    const host = (params.get('host') ?? '').toLowerCase();
    const renewed = await c.edge?.renewCert(host);
    if (renewed === undefined || renewed === null) {
      const managed = (c.edge?.certs() ?? []).filter((cert) => cert.source === 'acme').map((cert) => cert.host);
      sendError(r, 404, 'BERTH_E_CERT_UNKNOWN', { host, known: managed.length === 0 ? 'none (no `edge.tls.acme`)' : managed.join(', ') });
      return;
    }
    send(r, renewed.state === 'valid' && renewed.failures === 0 ? 200 : 502, { cert: renewed });
  } },
  // `berth jobs run NAME [--wait]`: ?name=NAME&wait=1 answers once the run is over, with its outcome.
  { method: 'POST', path: /^\/v1\/jobs\/run$/, handle: async (c, _q, r, params) => {
    const name = params.get('name') ?? '';
    const started = c.jobs === undefined || c.jobs === null ? ({ ok: false, code: 'BERTH_E_JOB_UNKNOWN', reason: 'none' } as const) : await c.jobs.runNow(name);
    if (!started.ok) {
      if (started.code === 'BERTH_E_JOB_UNKNOWN') sendError(r, 404, started.code, { job: name, known: started.reason });
      else sendError(r, 409, started.code, { job: name, reason: started.reason });
      return;
    }
    const run = started.run;
    send(r, 200, { job: name, run: run.run, pid: run.pid, outcome: params.get('wait') === '1' ? await run.done : null });
  } },
  // `berth maintenance on|off [SERVICE...]`: ?on=1|0&service=NAME (repeated; none means every routed service).
  { method: 'POST', path: /^\/v1\/maintenance$/, handle: async (c, _q, r, params) => {
    const names = params.getAll('service');
    for (const name of names) if (!known(c, r, name)) return;
    if (c.edge === undefined || c.edge === null) {
      sendError(r, 409, 'BERTH_E_EDGE_OFF', {});
      return;
    }
    const unrouted = names.filter((name) => (c.supervisor.stack.services[name]?.routes.length ?? 0) === 0);
    if (unrouted.length > 0) {
      sendError(r, 400, 'BERTH_E_EDGE_NOT_ROUTED', { services: unrouted.join(', ') });
      return;
    }
    send(r, 200, { ok: true, maintenance: await c.edge.setMaintenance(names, params.get('on') === '1') });
  } },
  // `berth deploy` / `berth rollback`: the request's body is the deploy request (the stack as `up -d` hands it over);
  // the answer streams the progress as JSON lines and ends with a `done` or an `error` line.
  { method: 'POST', path: /^\/v1\/deploy$/, handle: async (c, q, r) => {
    if (c.deploys === undefined) { sendError(r, 409, 'BERTH_E_DEPLOY_BUSY', {}); return; }
    const { readDeployRequest } = await import('./read-deploy-request.js');
    const parsed = readDeployRequest(await readBody(q), c.supervisor.stack.file);
    if (!parsed.ok) { sendError(r, 400, 'BERTH_E_API_BAD_QUERY', { reason: parsed.reason }); return; }
    const deploys = await c.deploys();
    r.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-cache' });
    await deploys.run(parsed.request, (message) => {
      if (!r.destroyed) r.write(`${JSON.stringify(message)}\n`);
    });
    r.end();
  } },
  { method: 'POST', path: /^\/v1\/deploy\/cancel$/, handle: async (c, _q, r) => {
    send(r, 200, { cancelled: c.deploys === undefined ? false : (await c.deploys()).cancel() });
  } },
  { method: 'GET', path: /^\/v1\/wait$/, handle: async (c, _q, r, params) => {
    const result = await c.supervisor.waitReady(Number(params.get('timeout') ?? '60000'));
    // Ready means reachable: the edge routes to every instance that is ready now before the answer goes out.
    if (result.ok) await c.edge?.settled();
    // With every instance's status, so `berth up -d` prints its table without another request.
    send(r, 200, { ...result, instances: c.supervisor.status(), edge: (await c.edge?.status()) ?? null, jobs: c.jobs?.status() ?? [] });
  } },
  { method: 'GET', path: /^\/v1\/logs\/([a-z][a-z0-9_-]*)$/, handle: (c, _q, r, params, m) => {
    const name = m[1] ?? '';
    if (known(c, r, name)) send(r, 200, { lines: c.supervisor.logs(name).recent(Number(params.get('n') ?? '100')) });
  } },
  { method: 'POST', path: /^\/v1\/services\/([a-z][a-z0-9_-]*)\/(start|stop|restart)$/, handle: async (c, _q, r, params, m) => {
    const name = m[1] ?? '';
    if (!known(c, r, name)) return;
    if (m[2] === 'stop') await c.supervisor.stop([name]);
    else if (m[2] === 'restart' && c.edge !== undefined && c.edge !== null && isBlueGreen(c, name)) {
      // A routed service restarts without a failed request: new instances, then the swap, then the old drained.
      const result = await c.edge.swap(name, parseDuration(params.get('drain') ?? '') ?? 30_000, 120_000);
      if (!result.ok) {
        sendError(r, 409, 'BERTH_E_SWAP_FAILED', { service: name, reason: result.reason }, { instances: c.supervisor.status().filter((s) => s.service === name) });
        return;
      }
      send(r, 200, { ok: true, strategy: 'blue-green', drained: result.drained, instances: c.supervisor.status().filter((s) => s.service === name) });
      return;
    } else if (m[2] === 'restart') await c.supervisor.restart([name]);
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
    if (!query.ok) sendError(r, 400, 'BERTH_E_API_BAD_QUERY', { reason: query.message });
    else if (c.events === undefined || c.events === null) sendError(r, 503, 'BERTH_E_STATE_DB', {});
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
  // Alerts: `berth alerts` (queue, open incidents, recent messages) and `berth alerts test` (every channel, each result).
  { method: 'GET', path: /^\/v1\/alerts$/, handle: (c, _q, r, params) => {
    if (c.alerts === undefined || c.alerts === null) { sendError(r, 404, 'BERTH_E_ALERT_NONE', { file: c.supervisor.stack.file }); return; }
    send(r, 200, c.alerts.overview(Number(params.get('limit') ?? '20')));
  } },
  { method: 'POST', path: /^\/v1\/alerts\/test$/, handle: async (c, _q, r) => {
    if (c.alerts === undefined || c.alerts === null) { sendError(r, 404, 'BERTH_E_ALERT_NONE', { file: c.supervisor.stack.file }); return; }
    send(r, 200, { results: await c.alerts.test() });
  } },
];

/** The request's body as text (at most 64 MiB: a stack with its secrets is far smaller). */
function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      text += chunk;
      if (text.length > 64 * 1024 * 1024) request.destroy(new Error('request body too large'));
    });
    request.on('end', () => {
      resolve(text);
    });
    request.on('error', reject);
  });
}

function isBlueGreen(c: ApiContext, name: string): boolean {
  const service = c.supervisor.stack.services[name];
  return service !== undefined && service.routes.length > 0 && service.deploy.strategy === 'blue-green' && service.port === null && c.supervisor.status().some((s) => s.service === name && s.phase === 'running');
}

/** Routes one request. */
export async function handleApiRequest(context: ApiContext, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://berth');
  for (const route of ROUTES) {
    const match = route.path.exec(url.pathname);
    if (match === null || route.method !== request.method) continue;
    try {
      await route.handle(context, request, response, url.searchParams, match);
    } catch (error) {
      if (!response.headersSent) sendError(response, 500, 'BERTH_E_INTERNAL', { reason: error instanceof Error ? error.message : String(error) });
    }
    return;
  }
  sendError(response, 404, 'BERTH_E_API_NOT_FOUND', { method: request.method ?? '', path: url.pathname });
}
