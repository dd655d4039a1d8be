// The daemon's side of the edge: runs the edge process, keeps its route table in step with the supervisor (every
// ready instance in, every other out, maintenance answered with 503), restarts it when it dies, and drives the
// blue/green swap. The edge process itself (cluster primary and workers) is src/edge/edge-main.ts.
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { ResolvedStack } from '../config/resolved-stack.js';
import type { RouteCounters } from '../edge/access-record.js';
import { buildRouteTable } from '../edge/build-route-table.js';
import type { EdgeCert, EdgeStartConfig } from '../edge/edge-ipc.js';
import type { RouteTable } from '../edge/edge-types.js';
import type { DrainResult, EdgeProcess, StartEdgeResult } from '../edge/start-edge-process.js';
import { createDiagnostic } from '../errors/diagnostic.js';
import { parseSize } from '../shared/size.js';
import type { Logger } from '../shared/logger.js';
import type { NewEvent } from '../state/event-store.js';
import { CertManager, type CertStatus } from '../tls/cert-manager.js';
import type { BlueGreenResult } from '../supervisor/blue-green.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import { readMaintenance, writeMaintenance } from './maintenance-file.js';

export type EdgePhase = 'starting' | 'listening' | 'failed' | 'stopped';

export interface EdgeRouteStatus {
  readonly id: string;
  readonly service: string;
  readonly host: string | null;
  readonly path: string;
  readonly target: 'service' | 'static' | 'maintenance';
  readonly upstreams: number;
  readonly counters: RouteCounters | null;
}

export interface EdgeStatus {
  readonly phase: EdgePhase;
  readonly address: string;
  readonly port: number;
  readonly workers: number;
  readonly pid: number | null;
  /** Why it is not listening (BERTH_E_EDGE_LISTEN and the system's reason), or null. */
  readonly error: string | null;
  readonly maintenance: readonly string[];
  readonly routes: readonly EdgeRouteStatus[];
  /** Where HTTPS listens, or null when TLS is off. */
  readonly httpsPort: number | null;
  readonly certs: readonly CertStatus[];
}

export interface EdgeControllerOptions {
  readonly stack: ResolvedStack;
  readonly supervisor: Supervisor;
  readonly stateDir: string;
  readonly runDir: string;
  readonly logger: Logger;
  readonly startEdge: (options: { config: EdgeStartConfig; table: RouteTable; runDir: string; certs?: readonly EdgeCert[]; output?: (stream: 'out' | 'err', chunk: Buffer) => void }) => Promise<StartEdgeResult>;
  /** Records events (certificates) in state.db. */
  readonly record: (event: NewEvent) => void;
  /** The environment hooks (dns_hook) run with. */
  readonly env: Readonly<Record<string, string | undefined>>;
}

const RESTART_FIRST_MS = 500;
const RESTART_MAX_MS = 30_000;

export class EdgeController {
  readonly #options: EdgeControllerOptions;
  readonly #config: EdgeStartConfig;
  readonly #maintenance: Set<string>;
  readonly #certs: CertManager | null;
  #edge: EdgeProcess | null = null;
  #phase: EdgePhase = 'starting';
  #error: string | null = null;
  #table: RouteTable;
  #tableKey: string;
  /** The newest table version handed to the current edge process. */
  #sentVersion = 0;
  #sending: Promise<unknown> = Promise.resolve();
  #scheduled = false;
  #stopping = false;
  #restartDelay = RESTART_FIRST_MS;
  #restartTimer: NodeJS.Timeout | null = null;
  #unsubscribe: () => void = () => undefined;
  #launching: Promise<void> = Promise.resolve();
  /** Resolves when start() has run its first launch (or stop() came first): settled() must not answer before. */
  readonly #firstLaunch: Promise<void>;
  #firstLaunchDone: () => void = () => undefined;

  constructor(options: EdgeControllerOptions) {
    this.#options = options;
    const edge = options.stack.edge;
    const workers = edge === null || edge.workers === 'auto' ? availableParallelism() : edge.workers;
    this.#config = {
      address: edge?.listen.address ?? '0.0.0.0', port: edge?.listen.http ?? 80, workers,
      logDir: join(options.stateDir, 'logs', 'access'), logMaxSize: parseSize('10mb') ?? 10 * 1024 * 1024, logKeep: 5,
      https: edge?.tls === undefined ? null : { port: edge.listen.https, redirectHttp: edge.tls.redirect_http, hsts: edge.tls.hsts },
    };
    this.#certs = edge?.tls === undefined ? null : new CertManager({
      stack: options.stack, stateDir: options.stateDir, logger: options.logger, record: options.record, env: options.env,
      serve: (certs) => this.#edge?.setCerts(certs) ?? Promise.resolve(),
      answer: (tokens) => (this.#edge === null ? Promise.reject(new Error('the edge is not running, so it cannot answer the HTTP-01 challenge')) : this.#edge.setChallenges(tokens)),
    });
    this.#maintenance = new Set(readMaintenance(options.stateDir).filter((name) => options.stack.services[name] !== undefined));
    this.#table = this.#build(1);
    this.#tableKey = keyOf(this.#table);
    this.#firstLaunch = new Promise((resolve) => (this.#firstLaunchDone = resolve));
  }

  /** Starts the edge process and follows the supervisor; resolves once it listens or failed to. */
  async start(): Promise<void> {
    const { supervisor } = this.#options;
    const unsubscribe = supervisor.subscribe((event) => {
      if (event.type === 'state') this.#scheduleRefresh();
    });
    // A deploy can add a route host: the certificate manager takes it on with the stack the deploy makes current,
    // not at the next daemon start.
    const unwatch = supervisor.watchStack((stack) => {
      const added = this.#certs?.followStack(stack) ?? [];
      if (added.length > 0) this.#options.logger.info('certificates to obtain for hosts a deploy added', { hosts: added });
    });
    this.#unsubscribe = () => {
      unsubscribe();
      unwatch();
    };
    this.#launching = this.#launch();
    await this.#launching;
    this.#firstLaunchDone();
    // After the first launch: HTTP-01 needs a listening edge. Stored certificates were served from the start.
    this.#certs?.start();
  }

  /** Resolves once the edge has started (or failed to) and applied the table of the instances ready now, so a
   * caller told "ready" can reach every ready service through the edge at once. */
  async settled(): Promise<void> {
    await this.#firstLaunch;
    await this.#launching;
    await this.refresh();
  }

  async #launch(): Promise<void> {
    if (this.#stopping) return;
    this.#phase = 'starting';
    const { logger } = this.#options;
    const startTable = this.#table;
    const result = await this.#options.startEdge({
      config: this.#config, table: startTable, runDir: this.#options.runDir, certs: this.#certs?.edgeCerts() ?? [],
      output: (stream, chunk) => { logger.info('edge output', { stream, text: chunk.toString('utf8').trimEnd() }); },
    });
    if (!result.ok) {
      this.#phase = 'failed';
      const { message, hint } = createDiagnostic('BERTH_E_EDGE_LISTEN', { params: { address: this.#config.address, port: this.#config.port, reason: `${result.code} ${result.message}` } });
      this.#error = `BERTH_E_EDGE_LISTEN: ${message} (hint: ${hint})`;
      logger.error('edge failed to start', { code: result.code, reason: result.message, retry_ms: this.#restartDelay });
      this.#scheduleRelaunch();
      return;
    }
    // stop() may have come while the process started.
    if (this.#isStopping()) {
      await result.edge.stop();
      return;
    }
    this.#edge = result.edge;
    this.#sentVersion = startTable.version;
    this.#phase = 'listening';
    this.#error = null;
    const startedAt = Date.now();
    logger.info('edge listening', { address: this.#config.address, port: this.#config.port, workers: this.#config.workers, pid: result.edge.pid });
    result.edge.onWorkerExit((info) => { logger.warn('edge worker exited; replaced', { ...info }); });
    void result.edge.exited.then((exit) => {
      if (this.#edge !== result.edge) return;
      this.#edge = null;
      if (this.#stopping) return;
      // A long healthy run starts the backoff again from the beginning.
      if (Date.now() - startedAt > 60_000) this.#restartDelay = RESTART_FIRST_MS;
      this.#phase = 'failed';
      this.#error = `the edge process exited (code ${String(exit.code)}, signal ${String(exit.signal)}); restarting`;
      logger.error('edge process exited', { ...exit, retry_ms: this.#restartDelay });
      this.#scheduleRelaunch();
    });
    // The table may have moved on while the process started; a restarted edge needs the open challenges back.
    const tokens = this.#certs?.tokens() ?? {};
    if (Object.keys(tokens).length > 0) await result.edge.setChallenges(tokens).catch(() => undefined);
    await this.refresh();
  }

  #isStopping(): boolean {
    return this.#stopping;
  }

  #scheduleRelaunch(): void {
    if (this.#stopping || this.#restartTimer !== null) return;
    const delay = this.#restartDelay;
    this.#restartDelay = Math.min(RESTART_MAX_MS, delay * 2);
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = null;
      this.#launching = this.#launch();
    }, delay);
    this.#restartTimer.unref();
  }

  #build(version: number): RouteTable {
    // The supervisor's stack, not the one the edge began with: a deploy changes routes and static folders.
    const { supervisor } = this.#options;
    return buildRouteTable(supervisor.stack, (name) => supervisor.upstreams(name), version, this.#maintenance);
  }

  // Batched: the state events of one tick cause one rebuild.
  #scheduleRefresh(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      void this.refresh();
    });
  }

  /** Rebuilds the table; when it changed, sends it and resolves once every worker applied it. */
  refresh(): Promise<void> {
    const next = this.#build(this.#table.version + 1);
    const key = keyOf(next);
    if (key !== this.#tableKey) {
      this.#table = next;
      this.#tableKey = key;
    }
    const edge = this.#edge;
    const table = this.#table;
    if (edge === null || this.#sentVersion >= table.version) return this.#sending.then(() => undefined);
    this.#sentVersion = table.version;
    // In order: a slow answer for an older table must not let a newer one be overtaken.
    const sent = this.#sending.then(() => edge.setTable(table)).catch((error: unknown) => {
      this.#options.logger.warn('route table not applied', { version: table.version, reason: error instanceof Error ? error.message : String(error) });
    });
    this.#sending = sent;
    return sent;
  }

  /** Puts services (all routed ones when none given) in or out of maintenance; persisted across daemon restarts. */
  async setMaintenance(services: readonly string[], on: boolean): Promise<readonly string[]> {
    const names = services.length > 0 ? services : Object.values(this.#options.supervisor.stack.services).filter((s) => s.routes.length > 0).map((s) => s.name);
    for (const name of names) {
      if (on) this.#maintenance.add(name);
      else this.#maintenance.delete(name);
    }
    writeMaintenance(this.#options.stateDir, [...this.#maintenance]);
    await this.refresh();
    return [...this.#maintenance];
  }

  /** Replaces a routed service's instances with zero failed requests: new ready → swap → drain old → stop old. */
  async swap(name: string, drainMs: number, readyTimeoutMs: number): Promise<BlueGreenResult<DrainResult>> {
    return this.#options.supervisor.replaceBlueGreen<DrainResult>(name, {
      swap: () => this.refresh(),
      drain: async (old) => {
        const edge = this.#edge;
        return edge === null ? { forced: false, webSocketsClosed: 0, requestsLeft: 0 } : edge.drain(old, drainMs);
      },
    }, readyTimeoutMs);
  }

  /** The edge's state and every route with its counters (summed over the workers). */
  async status(): Promise<EdgeStatus> {
    let counters: Record<string, RouteCounters> = {};
    if (this.#edge !== null) counters = await this.#edge.readCounters().catch(() => ({}));
    const routes = this.#table.routes.map((route): EdgeRouteStatus => ({
      id: route.id, service: route.target.service, host: route.host, path: route.path, target: route.target.kind,
      upstreams: route.target.kind === 'service' ? route.target.upstreams.length : 0, counters: counters[route.id] ?? null,
    }));
    return {
      phase: this.#phase, address: this.#config.address, port: this.#config.port, workers: this.#config.workers,
      pid: this.#edge?.pid ?? null, error: this.#error, maintenance: [...this.#maintenance], routes,
      httpsPort: this.#config.https?.port ?? null, certs: this.#certs?.status() ?? [],
    };
  }

  /** Every certificate with its schedule (no round trip to the edge process). */
  certs(): CertStatus[] {
    return this.#certs?.status() ?? [];
  }

  /** Asks the CA for a host's certificate now; null when the host's certificate is not Berth's to renew. */
  renewCert(host: string): Promise<CertStatus | null> {
    return this.#certs?.renew(host) ?? Promise.resolve(null);
  }

  /** Stops the edge process (after the services it fronts were stopped, so their requests had their chance). */
  async stop(): Promise<void> {
    this.#certs?.stop();
    this.#stopping = true;
    this.#firstLaunchDone();
    this.#phase = 'stopped';
    this.#unsubscribe();
    if (this.#restartTimer !== null) clearTimeout(this.#restartTimer);
    const edge = this.#edge;
    this.#edge = null;
    await edge?.stop();
  }
}

// The table without its version: what decides whether workers need a new one.
function keyOf(table: RouteTable): string {
  return JSON.stringify([table.routes, table.trustedProxies]);
}
