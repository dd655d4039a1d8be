// The supervisor: one runner per service instance, started as soon as its dependencies meet their
// condition, stopped in reverse dependency order.
import { join } from 'node:path';
import type { ResolvedStack } from '../config/resolved-stack.js';
import type { Upstream } from '../edge/edge-types.js';
import { reapLeftovers } from '../exec/process-records.js';
import { createLogSink } from '../logs/create-log-sink.js';
import { recipeUrl } from '../recipes/recipe-urls.js';
import type { LogListener, LogSink } from '../logs/log-types.js';
import { parseSize } from '../shared/size.js';
import { runBlueGreen, type BlueGreenHooks, type BlueGreenResult } from './blue-green.js';
import { findBlockers, stopWaves, withDependencies, type ServiceProgress } from './graph.js';
import { InstanceRunner } from './instance-runner.js';
import type { EventListener, InstanceStatus, SupervisorEvent } from './supervisor-types.js';

export interface SupervisorOptions {
  readonly stack: ResolvedStack;
  /** The `.berth` folder: logs/ and run/ live under it. */
  readonly stateDir: string;
  /** The environment every process inherits before the stack's own (usually the daemon's). */
  readonly baseEnv: Readonly<Record<string, string | undefined>>;
}

/** How often `waitReady` re-checks without an event (a safety net; readiness is decided on state events). */
const WAIT_RECHECK_MS = 500;

export type ReadyResult = { readonly ok: true } | { readonly ok: false; readonly failing: readonly InstanceStatus[] };

export class Supervisor {
  readonly #options: SupervisorOptions;
  /** The stack new instances are made from: a deploy replaces it (running instances keep the service they began with). */
  #stack: ResolvedStack;
  readonly #runners = new Map<string, InstanceRunner[]>();
  readonly #sinks = new Map<string, LogSink>();
  readonly #listeners = new Set<EventListener>();
  readonly #logListeners = new Set<LogListener>();
  readonly #held = new Set<string>();
  /** Instances of a blue/green replacement that are not (or no longer) the service's current ones. */
  readonly #incoming = new Map<string, InstanceRunner[]>();
  readonly #outgoing = new Map<string, InstanceRunner[]>();
  /** The last instance number given out per service: numbers are never reused while a daemon runs, so the old
   * and new instances of a blue/green swap keep apart (process records, logs, BERTH_INSTANCE). */
  readonly #lastInstance = new Map<string, number>();
  #scheduled = false;
  #reaped = false;
  readonly #stackWatchers = new Set<(stack: ResolvedStack) => void>();
  /** The `up` in progress: `waitReady` must not answer before the runners exist. */
  #starting: Promise<void> = Promise.resolve();

  constructor(options: SupervisorOptions) {
    this.#options = options;
    this.#stack = options.stack;
  }

  get stack(): ResolvedStack {
    return this.#stack;
  }

  /**
   * Makes `stack` the one new instances are made from (a deploy, a rollback). Nothing starts or stops: the caller
   * then replaces the services that changed. Services no longer in it keep running until `remove`d.
   */
  replaceStack(stack: ResolvedStack): void {
    this.#stack = stack;
    for (const watcher of this.#stackWatchers) watcher(stack);
  }

  /** Calls `watcher` with each stack replaceStack makes current (the daemon's jobs follow it); returns an unsubscribe. */
  watchStack(watcher: (stack: ResolvedStack) => void): () => void {
    this.#stackWatchers.add(watcher);
    return () => this.#stackWatchers.delete(watcher);
  }

  /** Receives every event; returns an unsubscribe function. */
  subscribe(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Receives every log line of every service, present and future; returns an unsubscribe function. */
  subscribeLogs(listener: LogListener): () => void {
    this.#logListeners.add(listener);
    return () => this.#logListeners.delete(listener);
  }

  /** The log sink of a service (created on first use). */
  logs(service: string): LogSink {
    let sink = this.#sinks.get(service);
    if (sink === undefined) {
      const config = this.stack.services[service];
      sink = createLogSink({ dir: join(this.#options.stateDir, 'logs'), service, maxSize: parseSize(config?.logs.max_size ?? '10mb') ?? 10 * 1024 * 1024, keep: config?.logs.keep ?? 5 });
      sink.subscribe((line) => {
        for (const listener of this.#logListeners) listener(line);
      });
      this.#sinks.set(service, sink);
    }
    return sink;
  }

  /** Reaps what an earlier daemon left, then starts the named services (all when none) with their dependencies. */
  up(names: readonly string[] = []): Promise<void> {
    const run = this.#starting.then(() => this.#up(names));
    this.#starting = run.catch(() => undefined);
    return run;
  }

  async #up(names: readonly string[]): Promise<void> {
    // Once per supervisor: after the first up() every record in run/ belongs to a live instance of this daemon
    // (or its edge), and reaping again would stop them all (it did: `berth start X` on a running stack).
    if (!this.#reaped) {
      this.#reaped = true;
      await reapLeftovers(join(this.#options.stateDir, 'run'));
    }
    const wanted = withDependencies(this.stack.services, names.length === 0 ? Object.keys(this.stack.services) : names);
    for (const name of wanted) {
      this.#held.delete(name);
      const runners = this.#runners.get(name);
      if (runners === undefined) this.#runners.set(name, this.#createRunners(name));
      else if (names.includes(name)) for (const runner of runners) runner.rearm();
    }
    this.#schedule();
  }

  #createRunners(name: string): InstanceRunner[] {
    const service = this.stack.services[name];
    if (service === undefined || service.kind === 'static') return [];
    // The first set is numbered 1..replicas; a blue/green replacement continues after the highest number in use.
    const first = this.#incoming.has(name) || this.#outgoing.has(name) || this.#runners.has(name) ? (this.#lastInstance.get(name) ?? 0) + 1 : 1;
    this.#lastInstance.set(name, first + service.replicas - 1);
    return Array.from({ length: service.replicas }, (_, index) => new InstanceRunner({
      stackName: this.stack.name, service, instance: first + index, runDir: join(this.#options.stateDir, 'run'), logs: this.logs(name), baseEnv: this.#options.baseEnv,
      lookup: (target, attr) => this.#lookup(target, attr),
      emit: (event) => {
        this.#emit(event);
      },
    }));
  }

  #emit(event: SupervisorEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // A listener's failure must never reach the supervisor.
      }
    }
    if (event.type === 'state') this.#schedule();
  }

  // Batched: many state changes in one tick cause one pass over the graph.
  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      for (const [name, runners] of this.#runners) {
        if (this.#held.has(name)) continue;
        const service = this.stack.services[name];
        if (service === undefined) continue;
        const blockers = findBlockers(service, (dependency) => (this.#runners.has(dependency) ? this.progress(dependency) : undefined));
        for (const runner of runners) {
          if (!runner.pending()) continue;
          if (blockers.length === 0) runner.start();
          else runner.markWaiting(blockers.map((b) => b.reason).join('; '));
        }
      }
    });
  }

  /** How far a service has come, for its dependents. */
  progress(name: string): ServiceProgress {
    const statuses = (this.#runners.get(name) ?? []).map((r) => r.status());
    const all = (test: (s: InstanceStatus) => boolean): boolean => statuses.length > 0 && statuses.every(test);
    const down = statuses.find((s) => s.phase === 'failed' || s.phase === 'exited' || s.phase === 'stopped');
    const looping = statuses.find((s) => s.crashLoop);
    const blocked = down !== undefined ? `it ${down.phase === 'stopped' ? 'was stopped' : `is ${down.phase}`}${down.reason === null ? '' : ` (${down.reason})`}` : looping !== undefined ? `it is crash-looping (${looping.reason ?? ''})` : null;
    return {
      started: all((s) => s.phase === 'starting' || s.phase === 'running' || s.phase === 'completed'),
      ready: all((s) => s.phase === 'completed' || (s.phase === 'running' && s.ready !== false)),
      completed: all((s) => s.phase === 'completed'),
      blocked,
    };
  }

  /** The run-time value of `${services.NAME.attr}` that late env values are filled from; undefined when not known yet. */
  lookup(service: string, attr: string): string | undefined {
    return this.#lookup(service, attr);
  }

  #lookup(service: string, attr: string): string | undefined {
    if (attr === 'host') return '127.0.0.1';
    const port = this.#runners.get(service)?.[0]?.status().port ?? this.stack.services[service]?.port ?? null;
    if (port === null) return undefined;
    if (attr === 'port') return String(port);
    const target = this.stack.services[service];
    if (target?.recipe !== null && target?.recipe !== undefined) return recipeUrl({ service: target, stateDir: this.#options.stateDir, port });
    return target?.http === true ? `http://127.0.0.1:${String(port)}` : undefined;
  }

  /** Every instance's status, in stack order (instances of a blue/green swap in progress after their service's). */
  status(): InstanceStatus[] {
    return [...this.#runners.keys()].flatMap((name) => [...(this.#outgoing.get(name) ?? []), ...(this.#runners.get(name) ?? []), ...(this.#incoming.get(name) ?? [])].map((r) => r.status()));
  }

  /** The addresses the edge may send a service's requests to: its current instances that run and are ready. */
  upstreams(name: string): Upstream[] {
    const upstreams: Upstream[] = [];
    for (const runner of this.#runners.get(name) ?? []) {
      const s = runner.status();
      if (s.phase === 'running' && s.ready !== false && s.port !== null) upstreams.push({ host: '127.0.0.1', port: s.port });
    }
    return upstreams;
  }

  /**
   * The blue/green primitive: new instances beside the running ones, gated on readiness; then the new set becomes
   * the service's (hooks.swap moves traffic), hooks.drain waits for the old ones' requests, and the old ones stop.
   * A new set that does not get ready is stopped and the old one keeps serving, untouched.
   */
  async replaceBlueGreen<T>(name: string, hooks: BlueGreenHooks<T>, readyTimeoutMs: number): Promise<BlueGreenResult<T>> {
    const current = this.#runners.get(name);
    const service = this.stack.services[name];
    if (current === undefined || service === undefined || this.#incoming.has(name) || this.#outgoing.has(name)) {
      return { ok: false, reason: current === undefined ? `${name} is not running` : `a replacement of ${name} is already in progress` };
    }
    const blockers = findBlockers(service, (dependency) => (this.#runners.has(dependency) ? this.progress(dependency) : undefined));
    if (blockers.length > 0) return { ok: false, reason: blockers.map((b) => b.reason).join('; ') };
    const fresh = this.#createRunners(name);
    this.#incoming.set(name, fresh);
    return runBlueGreen({
      name, fresh, readyTimeoutMs, hooks,
      subscribe: (listener) => this.subscribe(listener),
      oldUpstreams: () => this.upstreams(name),
      promote: () => {
        this.#incoming.delete(name);
        this.#outgoing.set(name, current);
        this.#runners.set(name, fresh);
      },
      abandon: () => this.#incoming.delete(name),
      retire: () => this.#outgoing.delete(name),
      stopOld: () => Promise.all(current.map((runner) => runner.stop())),
    });
  }

  /** Overlap: new instances beside the old, and once every one is ready the old stop (no traffic to move). */
  replaceOverlap(name: string, readyTimeoutMs: number): Promise<BlueGreenResult<null>> {
    return this.replaceBlueGreen(name, { swap: () => Promise.resolve(), drain: () => Promise.resolve(null) }, readyTimeoutMs);
  }

  /** Stops a service's instances and forgets them (a service a deploy removed). Its log file stays. */
  async remove(name: string): Promise<void> {
    await this.stop([name]);
    this.#runners.delete(name);
    this.#held.delete(name);
  }

  /** Resolves when every running service is ready (one-shots completed), or with the ones that are not at the timeout. */
  async waitReady(timeoutMs: number): Promise<ReadyResult> {
    const deadline = Date.now() + timeoutMs;
    await this.#starting;
    const decide = (atDeadline: boolean): ReadyResult | null => {
      const pending = this.status().filter((s) => !(s.phase === 'completed' || (s.phase === 'running' && s.ready !== false)));
      const hopeless = pending.filter((s) => s.phase === 'failed' || s.phase === 'exited' || s.crashLoop);
      if (pending.length === 0) return { ok: true };
      if (hopeless.length > 0 || atDeadline || Date.now() >= deadline) return { ok: false, failing: hopeless.length > 0 ? hopeless : pending };
      return null;
    };
    const now = decide(false);
    if (now !== null) return now;
    // Decided on the state event that makes it so, not on a poll: readiness adds no delay. A slow re-check is
    // kept as a safety net for a change that comes without an event.
    return new Promise<ReadyResult>((resolve) => {
      const finish = (result: ReadyResult): void => {
        unsubscribe();
        clearTimeout(limit);
        clearInterval(recheck);
        resolve(result);
      };
      const unsubscribe = this.subscribe((event) => {
        if (event.type !== 'state') return;
        const result = decide(false);
        if (result !== null) finish(result);
      });
      const limit = setTimeout(() => {
        finish(decide(true) ?? { ok: true });
      }, Math.max(0, deadline - Date.now()));
      const recheck = setInterval(() => {
        const result = decide(false);
        if (result !== null) finish(result);
      }, WAIT_RECHECK_MS);
    });
  }

  /** Stops services (all when none named), dependents first. */
  async stop(names: readonly string[] = []): Promise<void> {
    const targets = names.length === 0 ? [...this.#runners.keys()] : names.filter((n) => this.#runners.has(n));
    for (const name of targets) this.#held.add(name);
    for (const wave of stopWaves(this.stack.services, targets)) {
      const runners = wave.flatMap((name) => [...(this.#runners.get(name) ?? []), ...(this.#incoming.get(name) ?? []), ...(this.#outgoing.get(name) ?? [])]);
      await Promise.all(runners.map((runner) => runner.stop()));
    }
  }

  /** Restarts services in place: stop, then start again once dependencies allow. */
  async restart(names: readonly string[]): Promise<void> {
    await this.stop(names);
    for (const name of names) {
      this.#held.delete(name);
      this.#runners.set(name, this.#createRunners(name));
    }
    this.#schedule();
  }

  /** Stops everything and closes the log files. */
  async down(): Promise<void> {
    await this.stop();
    await Promise.all([...this.#sinks.values()].map((sink) => sink.close()));
    this.#sinks.clear();
  }
}
