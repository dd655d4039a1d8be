// One supervised instance: spawn, gate on probes, watch, stop, and restart with backoff. The lifecycle
// is one async loop per instance; `stop()` wakes whatever it is waiting on.
import type { ResolvedService } from '../config/resolved-stack.js';
import type { Diagnostic } from '../errors/diagnostic.js';
import { removeProcessRecord, writeProcessRecord } from '../exec/process-records.js';
import { spawnProcess, type ExitInfo, type ProcessHandle } from '../exec/spawn-process.js';
import { stopProcessGroup } from '../exec/stop-process-group.js';
import type { ProbePhase, ProbeResult, ProbeRunner, ProbeTarget } from '../health/probe-types.js';
import { startProbe } from '../health/run-probe.js';
import type { LogListener, LogSink } from '../logs/log-types.js';
import { parseDuration } from '../shared/duration.js';
import { allocatePort } from './allocate-port.js';
import { prepareRecipe, provisionRecipe, shutdownRecipe, type RecipeRun } from './recipe-steps.js';
import { CRASH_LOOP_THRESHOLD, nextFailureCount, restartDelay, type BackoffPolicy } from './backoff.js';
import { buildInstanceEnv, type ReferenceLookup } from './instance-env.js';
import type { InstancePhase, InstanceStatus, SupervisorEvent } from './supervisor-types.js';

export interface RunnerContext {
  readonly stackName: string;
  readonly service: ResolvedService;
  readonly instance: number;
  readonly runDir: string;
  readonly logs: LogSink;
  readonly baseEnv: Readonly<Record<string, string | undefined>>;
  readonly lookup: ReferenceLookup;
  readonly emit: (event: SupervisorEvent) => void;
}

type Outcome =
  | { readonly kind: 'stopped' }
  // `exitedAt`: when the leader's exit was seen (absent when it never started).
  | { readonly kind: 'exit'; readonly exit: ExitInfo; readonly uptimeMs: number; readonly exitedAt?: number }
  | { readonly kind: 'unhealthy'; readonly why: 'start' | 'live'; readonly output: string; readonly uptimeMs: number }
  // A recipe found something a restart will not fix (foreign data folder, wrong password, port taken).
  | { readonly kind: 'fatal'; readonly error: Diagnostic };


const ms = (text: string): number => parseDuration(text) ?? 0;

export class InstanceRunner {
  readonly #context: RunnerContext;
  readonly #policy: BackoffPolicy;
  #status: InstanceStatus;
  #wanted = false;
  #launched = false;
  #loop: Promise<void> | null = null;
  #wake: (() => void) | null = null;
  #stopRequested: Promise<'stop'> = new Promise(() => undefined);

  constructor(context: RunnerContext) {
    this.#context = context;
    const { backoff } = context.service;
    this.#policy = { initialMs: ms(backoff.initial), maxMs: ms(backoff.max), resetAfterMs: ms(backoff.reset_after) };
    this.#status = { service: context.service.name, instance: context.instance, phase: 'waiting', pid: null, port: null, startedAt: null, restarts: 0, ready: null, crashLoop: false, reason: null, lastExit: null, lastProbe: null };
  }

  status(): InstanceStatus {
    return this.#status;
  }

  /** Shows why the instance has not started (its dependencies). */
  markWaiting(reason: string): void {
    // Only on change: a state event makes the supervisor re-evaluate the graph, which calls this again.
    if (this.#loop === null && (this.#status.phase !== 'waiting' || this.#status.reason !== reason)) this.#update({ phase: 'waiting', reason });
  }

  /** True until the lifecycle has been started; a finished one (completed, failed, stopped) stays down until re-armed. */
  pending(): boolean {
    return !this.#launched;
  }

  /** Lets the scheduler start the instance again (an explicit `berth start`). */
  rearm(): void {
    if (this.#loop === null) this.#launched = false;
  }

  /** Starts the lifecycle loop; does nothing when it already runs. */
  start(): void {
    if (this.#loop !== null) return;
    this.#launched = true;
    this.#wanted = true;
    this.#stopRequested = new Promise((resolve) => (this.#wake = () => {
      resolve('stop');
    }));
    this.#loop = this.#run().finally(() => {
      this.#loop = null;
    });
  }

  /** Stops the instance (whole process group) and keeps it down; resolves when it is gone. */
  async stop(): Promise<void> {
    this.#wanted = false;
    this.#wake?.();
    await this.#loop;
  }

  #isWanted(): boolean {
    return this.#wanted;
  }

  #update(patch: Partial<InstanceStatus>): void {
    this.#status = { ...this.#status, ...patch };
    this.#context.emit({ type: 'state', time: Date.now(), status: this.#status });
  }

  async #run(): Promise<void> {
    const { service } = this.#context;
    let failures = 0;
    while (this.#wanted) {
      const outcome = await this.#runOnce();
      // `stop()` may have run while we awaited; read the field through a call so the check is not narrowed away.
      if (outcome.kind === 'stopped' || !this.#isWanted()) break;
      if (outcome.kind === 'fatal') {
        this.#fail(outcome.error);
        return;
      }
      const exit = outcome.kind === 'exit' ? outcome.exit : null;
      const cleanExit = exit !== null && exit.code === 0;
      if ((service.oneshot || service.restart !== 'always') && cleanExit) {
        this.#update({ phase: service.oneshot ? 'completed' : 'exited', reason: 'exited 0', pid: null });
        return;
      }
      const why = describeOutcome(outcome);
      if (service.restart === 'never') {
        this.#update({ phase: 'failed', reason: why, pid: null });
        return;
      }
      failures = nextFailureCount(failures, outcome.uptimeMs, this.#policy);
      const delay = restartDelay(failures, this.#policy);
      if (failures >= CRASH_LOOP_THRESHOLD && !this.#status.crashLoop) {
        this.#update({ crashLoop: true });
        this.#context.emit({ type: 'crash_loop', time: Date.now(), service: service.name, instance: this.#context.instance, restarts: this.#status.restarts, reason: why });
      }
      this.#context.logs.write(this.#context.instance, `${why}; restarting in ${String(delay)} ms`);
      this.#update({ phase: 'backoff', reason: `${why}; restarting in ${String(delay)} ms`, pid: null, ready: service.ready === null ? null : false });
      // Why from the exit: the delay paces restarts after a crash, and cleaning up the dead leader's group (a /proc
      // scan, 10–40 ms on a busy machine) is part of that wait, not added to it (P3, crash → respawn).
      const waited = outcome.kind === 'exit' && outcome.exitedAt !== undefined ? Date.now() - outcome.exitedAt : 0;
      if ((await Promise.race([sleep(Math.max(0, delay - waited)), this.#stopRequested])) === 'stop') break;
      // Counted silently: the next state event (starting) carries it, so each phase change is one event.
      this.#status = { ...this.#status, restarts: this.#status.restarts + 1 };
    }
    this.#update({ phase: 'stopped', reason: 'stopped on request', pid: null, ready: service.ready === null ? null : false });
  }

  /** This instance's own output lines, without the `berth` lines Berth writes about it. */
  #subscribeOwnOutput(listener: LogListener): () => void {
    const { instance, logs } = this.#context;
    return logs.subscribe((line) => {
      if (line.instance === instance && line.stream !== 'berth') listener(line);
    });
  }

  // Why a separate failure path: a recipe that finds a foreign data folder or a taken port must say so once, with
  // its catalogued code, instead of entering a restart loop that would only repeat it.
  #fail(error: Diagnostic): void {
    const { service, instance, logs } = this.#context;
    const text = `${error.code}: ${error.message}`;
    logs.write(instance, `${text}\n  hint: ${error.hint}`);
    this.#context.emit({ type: 'start_failed', time: Date.now(), service: service.name, instance, output: text });
    this.#update({ phase: 'failed', reason: `${text} (hint: ${error.hint})`, pid: null });
  }

  async #runOnce(): Promise<Outcome> {
    const { service, instance, logs } = this.#context;
    const port = service.port ?? (service.http ? await allocatePort() : null);
    const { env, missing } = buildInstanceEnv({ base: this.#context.baseEnv, stackName: this.#context.stackName, service, instance, port, lookup: this.#context.lookup });
    if (missing.length > 0) return { kind: 'exit', exit: { code: null, signal: null, error: `values not known yet: ${missing.join(', ')}` }, uptimeMs: 0 };
    const recipe = await prepareRecipe({ ...this.#context, subscribeOutput: (listener) => this.#subscribeOwnOutput((line) => {
      listener(line.text);
    }) }, port);
    if (recipe !== null && 'code' in recipe) return { kind: 'fatal', error: recipe };
    const command = recipe?.launch.command ?? service.command;
    if (command === null) return { kind: 'exit', exit: { code: null, signal: null, error: 'nothing to run' }, uptimeMs: 0 };
    const probes = [service.startup, service.ready, service.live];
    const launchUser = recipe?.launch.user;
    const handle = spawnProcess({
      command, cwd: recipe?.launch.cwd ?? service.cwd, env: recipe === null ? env : { ...env, ...recipe.launch.env }, notify: probes.some((p) => p?.kind === 'notify'), chunksInPlace: true,
      ...(launchUser === undefined ? {} : { user: { uid: launchUser.uid, gid: launchUser.gid } }),
    });
    const started = Date.now();
    if (handle.pid === 0) {
      const exit = await handle.exit;
      logs.write(instance, `could not start: ${exit.error ?? 'unknown error'}`);
      return { kind: 'exit', exit, uptimeMs: 0 };
    }
    writeProcessRecord(this.#context.runDir, { service: service.name, instance, pid: handle.pid, pgid: handle.pgid, startTime: handle.startTime });
    if (handle.stdout !== null) logs.attach(instance, 'out', handle.stdout);
    if (handle.stderr !== null) logs.attach(instance, 'err', handle.stderr);
    this.#update({ phase: 'starting', pid: handle.pid, port, startedAt: started, reason: null, lastExit: null });
    const outcome = await this.#watch(handle, port, env, recipe);
    if (recipe?.driver.shutdown !== undefined && outcome.kind !== 'exit') await shutdownRecipe(recipe, ms(service.stop.timeout));
    await stopProcessGroup(handle.pgid, recipe?.launch.stopSignal ?? service.stop.signal, ms(service.stop.timeout));
    removeProcessRecord(this.#context.runDir, service.name, instance);
    const final = outcome.kind === 'unhealthy' ? { ...outcome, uptimeMs: Date.now() - started } : outcome;
    if (final.kind === 'exit') this.#update({ lastExit: { code: final.exit.code, signal: final.exit.signal } });
    return final;
  }

  // Why one race: the process may exit, fail a probe, or be stopped at any moment, in any phase.
  async #watch(handle: ProcessHandle, port: number | null, env: Record<string, string>, recipe: RecipeRun | null): Promise<Outcome> {
    const { service, instance, logs } = this.#context;
    const started = Date.now();
    const runners: ProbeRunner[] = [];
    const exited = handle.exit.then((exit): Outcome => ({ kind: 'exit', exit, uptimeMs: Date.now() - started, exitedAt: Date.now() }));
    const stopped = this.#stopRequested.then((): Outcome => ({ kind: 'stopped' }));
    let unhealthy: (outcome: Outcome) => void = () => undefined;
    const failing = new Promise<Outcome>((resolve) => (unhealthy = resolve));
    const target: ProbeTarget = { service: service.name, instance, port, env, cwd: service.cwd, notify: handle.notify, subscribeLogs: (listener) => this.#subscribeOwnOutput(listener), ...(recipe === null ? {} : { recipeUrl: recipe.driver.url(recipe.context) }) };
    const run = (phase: ProbePhase, onFailing?: (r: ProbeResult) => void): ProbeRunner | null => {
      const probe = phase === 'startup' ? service.startup : phase === 'ready' ? service.ready : service.live;
      if (probe === null) return null;
      const runner = startProbe({ phase, probe, target, onResult: (result) => {
        this.#status = { ...this.#status, lastProbe: { ...result, phase } };
      }, ...(onFailing === undefined ? {} : { onFailing }), onRecovered: () => {
        if (phase === 'ready') this.#update({ ready: true });
      } });
      runners.push(runner);
      return runner;
    };
    const stabilize = setTimeout(() => {
      if (!this.#status.crashLoop) return;
      this.#update({ crashLoop: false });
      this.#context.emit({ type: 'crash_loop_resolved', time: Date.now(), service: service.name, instance });
    }, this.#policy.resetAfterMs);
    try {
      let evidence: ProbeResult | null = null;
      if (recipe !== null) {
        const cancel = new AbortController();
        const provisioned = await Promise.race([provisionRecipe(recipe, ms(service.ready?.start_timeout ?? '60s'), cancel.signal), exited, stopped]);
        cancel.abort();
        if ('kind' in provisioned) return provisioned;
        // Why: provisioning already ran the recipe's own check (postgres: SELECT 1 as the role, over TCP); running
        // it again before declaring ready would only add a connection's time to every start.
        if (service.ready?.kind === service.recipe) evidence = provisioned.evidence;
      }
      for (const phase of ['startup', 'ready'] as const) {
        const runner = run(phase, phase === 'ready' ? () => {
          this.#update({ ready: false, reason: 'ready probe failing' });
        } : undefined);
        if (runner === null) continue;
        if (phase === 'ready' && evidence?.ok === true) {
          this.#status = { ...this.#status, lastProbe: { ...evidence, phase } };
          continue;
        }
        const first = await Promise.race([runner.firstPass.then((r): ProbeResult | Outcome => r), exited, stopped]);
        if ('kind' in first) return first;
        if (!first.ok) {
          this.#context.emit({ type: 'start_failed', time: Date.now(), service: service.name, instance, output: first.output });
          logs.write(instance, `${phase} probe did not pass within ${probeOf(service, phase)}: ${first.output}`);
          return { kind: 'unhealthy', why: 'start', output: first.output, uptimeMs: Date.now() - started };
        }
        if (phase === 'startup') runner.stop();
      }
      this.#update({ phase: 'running', ready: service.ready === null ? null : true, reason: null });
      run('live', (result) => {
        this.#context.emit({ type: 'watchdog_restart', time: Date.now(), service: service.name, instance, output: result.output });
        logs.write(instance, `live probe failed ${String(service.live?.failures ?? 0)} times: ${result.output}; restarting`);
        unhealthy({ kind: 'unhealthy', why: 'live', output: result.output, uptimeMs: Date.now() - started });
      });
      return await Promise.race([exited, stopped, failing]);
    } finally {
      clearTimeout(stabilize);
      for (const runner of runners) runner.stop();
      this.#update({ phase: 'stopping' });
    }
  }
}

function probeOf(service: ResolvedService, phase: ProbePhase): string {
  const probe = phase === 'startup' ? service.startup : phase === 'ready' ? service.ready : service.live;
  return probe?.start_timeout ?? '?';
}

function describeOutcome(outcome: Exclude<Outcome, { kind: 'stopped' } | { kind: 'fatal' }>): string {
  if (outcome.kind === 'unhealthy') return outcome.why === 'live' ? `live probe failed (${outcome.output})` : `did not become ready (${outcome.output})`;
  const { exit } = outcome;
  if (exit.error !== undefined) return `could not start: ${exit.error}`;
  return exit.signal === null ? `exited with code ${String(exit.code)}` : `killed by ${exit.signal}`;
}

// Unref'd: a pending restart must not keep a process alive that is otherwise done (tests, `down`).
function sleep(delayMs: number): Promise<'slept'> {
  return new Promise((resolve) => {
    setTimeout(() => {
      resolve('slept');
    }, delayMs).unref();
  });
}

export type { InstancePhase };
