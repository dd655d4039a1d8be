// The edge's certificates: from files (`edge.tls.certs`) or from an ACME CA for every routed host. Stored ones are
// served at start without asking the CA; a host is asked for when it has none or at two thirds of its lifetime;
// a failure backs off for that host alone; every new certificate goes to the running edge without a restart.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ResolvedStack } from '../config/resolved-stack.js';
import type { EdgeCert } from '../edge/edge-ipc.js';
import { checkEdgeCerts } from '../edge/tls-contexts.js';
import { parseDuration } from '../shared/duration.js';
import type { Logger } from '../shared/logger.js';
import type { NewEvent } from '../state/event-store.js';
import { loadStoredCerts, readCertInfo, saveCert, type CertInfo } from './cert-store.js';
import { DEFAULT_BACKOFF, EXPIRY_WARNING_MS, nextAttemptAt, readRetryAfter, renewalDueAt, retryDelay, type BackoffPolicy } from './renewal-plan.js';

export interface CertManagerOptions {
  readonly stack: ResolvedStack;
  readonly stateDir: string;
  readonly logger: Logger;
  /** Hands the whole set to the edge; resolves once every worker serves it. */
  readonly serve: (certs: readonly EdgeCert[]) => Promise<void>;
  /** Hands the HTTP-01 answers to the edge; rejects when no edge runs. */
  readonly answer: (tokens: Readonly<Record<string, string>>) => Promise<void>;
  readonly record: (event: NewEvent) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly now?: () => number;
  readonly backoff?: BackoffPolicy;
  /** How often the schedule is looked at even when nothing is due (default 1 h). */
  readonly checkEveryMs?: number;
}

export interface CertStatus {
  readonly host: string;
  readonly source: 'file' | 'acme';
  readonly state: 'valid' | 'expired' | 'missing' | 'issuing' | 'failed';
  readonly issuer: string | null;
  readonly notBefore: number | null;
  readonly notAfter: number | null;
  readonly renewAt: number | null;
  readonly failures: number;
  readonly nextAttemptAt: number | null;
  readonly lastError: string | null;
}

interface Held {
  readonly cert: string;
  readonly key: string;
  readonly info: CertInfo;
}

interface HostState {
  readonly source: 'file' | 'acme';
  held: Held | null;
  failures: number;
  backoffUntil: number | null;
  lastError: string | null;
  issuing: Promise<void> | null;
  warnedFor: string | null;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

/** Hosts the CA is asked for: every route host of the stack not covered by a certificate file. */
export function listAcmeHosts(stack: ResolvedStack): string[] {
  const fromFiles = new Set((stack.edge?.tls?.certs ?? []).map((c) => c.host.toLowerCase()));
  const hosts = new Set<string>();
  for (const service of Object.values(stack.services)) for (const route of service.routes) if (route.host !== undefined) hosts.add(route.host.toLowerCase());
  return [...hosts].filter((host) => !fromFiles.has(host)).sort();
}

export class CertManager {
  readonly #options: CertManagerOptions;
  readonly #hosts = new Map<string, HostState>();
  readonly #tokens: Record<string, string> = {};
  readonly #now: () => number;
  #timer: NodeJS.Timeout | null = null;
  #started = false;
  #stopped = false;
  #queue: Promise<void> = Promise.resolve();

  constructor(options: CertManagerOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#loadFiles();
    this.#addAcmeHosts(options.stack);
  }

  /**
   * Takes on the route hosts of `stack` (the stack a deploy switched to) that have no certificate here yet, with the
   * ACME settings the daemon started with, and asks for them at once; returns the hosts added. A host a deploy
   * removed keeps its certificate and schedule (a rollback brings it back).
   */
  followStack(stack: ResolvedStack): string[] {
    const added = this.#addAcmeHosts(stack);
    if (added.length > 0 && this.#started) this.#schedule(0);
    return added;
  }

  #addAcmeHosts(stack: ResolvedStack): string[] {
    if (this.#options.stack.edge?.tls?.acme === undefined) return [];
    const fresh = listAcmeHosts(stack).filter((host) => !this.#hosts.has(host));
    if (fresh.length === 0) return [];
    const stored = new Map(loadStoredCerts(this.#options.stateDir).map((c) => [c.host, c]));
    for (const host of fresh) {
      const found = stored.get(host);
      this.#hosts.set(host, { source: 'acme', held: found === undefined ? null : { cert: found.cert, key: found.key, info: found.info }, failures: 0, backoffUntil: null, lastError: null, issuing: null, warnedFor: null });
    }
    return fresh;
  }

  // Certificate files are read once at start; a file that cannot be read, parsed or loaded is a failed host, shown in status.
  #loadFiles(): void {
    const { stack } = this.#options;
    for (const entry of stack.edge?.tls?.certs ?? []) {
      const state: HostState = { source: 'file', held: null, failures: 0, backoffUntil: null, lastError: null, issuing: null, warnedFor: null };
      try {
        const cert = readFileSync(resolve(stack.root, entry.cert), 'utf8');
        const key = readFileSync(resolve(stack.root, entry.key), 'utf8');
        const info = readCertInfo(cert);
        // The pair as the edge will load it (a key that does not match its certificate fails here): one bad file
        // must be this host's failure, not a set every later ACME certificate is refused with.
        const problem = checkEdgeCerts([{ hosts: [entry.host.toLowerCase()], cert, key }]);
        if (problem !== null) throw new Error(problem.reason);
        state.held = { cert, key, info };
      } catch (error) {
        state.lastError = `cannot use ${entry.cert} / ${entry.key}: ${error instanceof Error ? error.message : String(error)}`;
        this.#options.logger.error('certificate file unusable', { host: entry.host, reason: state.lastError });
      }
      this.#hosts.set(entry.host.toLowerCase(), state);
    }
  }

  /** The set the edge serves now. */
  edgeCerts(): EdgeCert[] {
    return [...this.#hosts].flatMap(([host, state]) => (state.held === null ? [] : [{ hosts: [host], cert: state.held.cert, key: state.held.key }]));
  }

  /** The HTTP-01 answers the edge should give now. */
  tokens(): Readonly<Record<string, string>> {
    return { ...this.#tokens };
  }

  /** Starts the schedule: due hosts are asked for at once, one at a time. */
  start(): void {
    this.#started = true;
    this.#schedule(0);
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#tick();
    }, Math.min(MAX_TIMER_MS, Math.max(0, delayMs)));
    this.#timer.unref();
  }

  #tick(): void {
    const now = this.#now();
    let next = now + (this.#options.checkEveryMs ?? 3600_000);
    for (const [host, state] of this.#hosts) {
      this.#warnIfExpiring(host, state, now);
      if (state.source !== 'acme' || state.issuing !== null) continue;
      const at = nextAttemptAt(state.held?.info ?? null, state.backoffUntil);
      if (at <= now) void this.#enqueue(host, state);
      else next = Math.min(next, at);
    }
    this.#schedule(next - now);
  }

  #warnIfExpiring(host: string, state: HostState, now: number): void {
    const info = state.held?.info;
    if (info === undefined || info.notAfter - now > EXPIRY_WARNING_MS || state.warnedFor === info.fingerprint) return;
    state.warnedFor = info.fingerprint;
    const days = Math.floor((info.notAfter - now) / 86_400_000);
    this.#options.logger.warn('certificate expires soon', { host, not_after: new Date(info.notAfter).toISOString(), days });
    this.#options.record({ time: now, type: 'cert_expiring', payload: { host, not_after: info.notAfter, days, source: state.source, last_error: state.lastError } });
  }

  /** Asks the CA for `host` now, whatever its schedule (`berth certs renew HOST`). */
  async renew(host: string): Promise<CertStatus | null> {
    const state = this.#hosts.get(host.toLowerCase());
    if (state?.source !== 'acme') return null;
    await this.#enqueue(host.toLowerCase(), state);
    return this.status().find((s) => s.host === host.toLowerCase()) ?? null;
  }

  // One issuance at a time across all hosts: a CA is never asked in parallel by one server.
  #enqueue(host: string, state: HostState): Promise<void> {
    if (state.issuing !== null) return state.issuing;
    const run = this.#queue.then(() => this.#issue(host, state));
    state.issuing = run.finally(() => {
      state.issuing = null;
    });
    this.#queue = run.catch(() => undefined);
    return state.issuing;
  }

  async #issue(host: string, state: HostState): Promise<void> {
    const acme = this.#options.stack.edge?.tls?.acme;
    if (acme === undefined || this.#stopped) return;
    const { logger, record } = this.#options;
    const started = this.#now();
    try {
      // Imported on first use: acme-client and its crypto libraries stay out of daemons that never ask a CA.
      const { issueCertificate, resolveDirectoryUrl } = await import('./issue-certificate.js');
      const issued = await issueCertificate({
        directoryUrl: resolveDirectoryUrl(acme.directory), email: acme.email, stateDir: this.#options.stateDir, host,
        http01: {
          set: async (token, keyAuthorization) => {
            this.#tokens[token] = keyAuthorization;
            await this.#options.answer(this.tokens());
          },
          clear: async (token) => {
            // Removed with delete, not set to undefined: the object crosses IPC as JSON.
             
            delete this.#tokens[token];
            await this.#options.answer(this.tokens());
          },
        },
        dns01: acme.dns_hook === undefined ? null : {
          hook: acme.dns_hook, cwd: this.#options.stack.root, env: this.#options.env, resolvers: acme.dns_resolvers,
          propagationTimeoutMs: parseDuration(acme.dns_wait) ?? 60_000,
        },
      });
      const saved = saveCert(this.#options.stateDir, host, issued.cert, issued.key);
      state.held = { cert: saved.cert, key: saved.key, info: saved.info };
      state.failures = 0;
      state.backoffUntil = null;
      state.lastError = null;
      await this.#options.serve(this.edgeCerts());
      logger.info('certificate issued', { host, issuer: saved.info.issuer, not_after: new Date(saved.info.notAfter).toISOString(), ms: this.#now() - started });
      record({ time: this.#now(), type: 'cert_issued', payload: { host, issuer: saved.info.issuer, not_after: saved.info.notAfter, renew_at: renewalDueAt(saved.info.notBefore, saved.info.notAfter) } });
    } catch (error) {
      const now = this.#now();
      state.failures += 1;
      const delay = retryDelay(state.failures, this.#options.backoff ?? DEFAULT_BACKOFF, readRetryAfter(error, now));
      state.backoffUntil = now + delay;
      state.lastError = error instanceof Error ? error.message : String(error);
      logger.warn('certificate request failed', { host, failures: state.failures, retry_in_ms: delay, reason: state.lastError });
      record({ time: now, type: 'cert_failed', payload: { host, failures: state.failures, retry_at: state.backoffUntil, reason: state.lastError, has_valid_cert: state.held !== null && state.held.info.notAfter > now } });
    } finally {
      this.#schedule(0);
    }
  }

  /** Every host with its certificate and schedule, sorted by host. */
  status(): CertStatus[] {
    const now = this.#now();
    return [...this.#hosts].sort(([a], [b]) => a.localeCompare(b)).map(([host, state]) => {
      const info = state.held?.info ?? null;
      const stateName: CertStatus['state'] = state.issuing !== null ? 'issuing' : info !== null ? (info.notAfter <= now ? 'expired' : 'valid') : state.lastError !== null ? 'failed' : 'missing';
      return {
        host, source: state.source, state: stateName, issuer: info?.issuer ?? null, notBefore: info?.notBefore ?? null, notAfter: info?.notAfter ?? null,
        renewAt: info === null || state.source === 'file' ? null : renewalDueAt(info.notBefore, info.notAfter),
        failures: state.failures, nextAttemptAt: state.source === 'file' ? null : nextAttemptAt(info, state.backoffUntil), lastError: state.lastError,
      };
    });
  }
}
