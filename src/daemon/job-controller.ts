// The daemon's side of `jobs:`: each job's next due time (`every` from its last run or the daemon's start, then from
// each due time; `schedule` by croner; a run missed while the daemon was down is made up once at start), what happens
// when a run is due while one still runs (`overlap`), the services a run waits for (`depends_on`: not ready means
// skipped), events, and the status `berth status` shows. Stopping stops every run's whole process group; nothing a
// job started outlives the daemon.
import { join } from 'node:path';
import { Cron } from 'croner';
import type { ResolvedJob, ResolvedStack } from '../config/resolved-stack.js';
import { createLogSink } from '../logs/create-log-sink.js';
import type { LogSink } from '../logs/log-types.js';
import { buildJobEnv } from '../scheduler/job-env.js';
import { jobLogName } from '../scheduler/job-log-name.js';
import { describeJobTiming, isCronRunMissed, nextEveryRun, planEveryStart, readEveryMs } from '../scheduler/next-job-run.js';
import { parseDuration } from '../shared/duration.js';
import type { Logger } from '../shared/logger.js';
import type { NewEvent } from '../state/event-store.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import { waitServicesReady } from '../supervisor/wait-services-ready.js';
import { startJobRun, type JobOutcome, type JobRun } from './job-run.js';

export interface JobControllerOptions {
  readonly stack: ResolvedStack;
  readonly supervisor: Pick<Supervisor, 'progress' | 'lookup'>;
  readonly stateDir: string;
  readonly logger: Logger;
  readonly record: (event: NewEvent) => void;
  readonly baseEnv: Readonly<Record<string, string | undefined>>;
  /** When a job last started under an earlier daemon (its newest `job_started` event), read by `start()`. */
  readonly lastStarted?: (job: string) => number | null;
}

/** What started a run: its schedule, `berth jobs run`, or a run owed from while the daemon was down. */
export type JobTrigger = 'schedule' | 'manual' | 'missed';

/** One job as `berth status` shows it. */
export interface JobStatus {
  readonly name: string;
  /** `every 5m` or the cron expression. */
  readonly timing: string;
  readonly nextRunAt: number | null;
  readonly running: boolean;
  /** Start times of the runs in progress (more than one with `overlap: allow`). */
  readonly runningSince: readonly number[];
  readonly last: { readonly startedAt: number; readonly finishedAt: number; readonly outcome: JobOutcome['kind']; readonly reason: string | null } | null;
}

interface JobState {
  /** Replaced when a deploy changes the job: the next runs use it; runs in progress keep theirs. */
  job: ResolvedJob;
  readonly logs: LogSink;
  readonly runs: Map<number, JobRun>;
  nextRunAt: number | null;
  timer: NodeJS.Timeout | null;
  cron: Cron | null;
  last: JobStatus['last'];
}

/** `stop.timeout`'s default in the schema; used only if it somehow fails to parse (it was validated when loaded). */
const DEFAULT_GRACE_MS = 10_000;

export class JobController {
  readonly #options: JobControllerOptions;
  /** The stack the jobs come from: the one given, then each one `follow` takes (a deploy, a rollback). */
  #stack: ResolvedStack;
  readonly #jobs = new Map<string, JobState>();
  /** Every run's `done` (and the stop of a replaced run), so `stop` can wait for all of them. */
  readonly #pending = new Set<Promise<unknown>>();
  #runNumber = 0;
  #stopped = false;

  constructor(options: JobControllerOptions) {
    this.#options = options;
    this.#stack = options.stack;
  }

  /** Starts every job's schedule; a run owed from before the start is made up once, when its services are ready. */
  start(): void {
    const now = Date.now();
    for (const job of Object.values(this.#stack.jobs)) this.#add(job, now, this.#options.lastStarted?.(job.name) ?? null);
  }

  /**
   * Takes the jobs of `stack` (a deploy or a rollback made it current): a changed job's next runs use its new
   * definition (its schedule starts over when `every` or `schedule` changed), a new job's schedule starts, and a job
   * gone from the stack stops its schedule and its runs in progress. Runs in progress of a changed job go on.
   */
  follow(stack: ResolvedStack): void {
    if (this.#stopped || stack === this.#stack) return;
    this.#stack = stack;
    const now = Date.now();
    for (const [name, state] of this.#jobs) {
      const next = stack.jobs[name];
      if (next === undefined) {
        this.#remove(state);
        continue;
      }
      const retimed = next.every !== state.job.every || next.schedule !== state.job.schedule;
      state.job = next;
      if (retimed) {
        this.#disarm(state);
        this.#schedule(state, now);
      }
    }
    for (const job of Object.values(stack.jobs)) if (!this.#jobs.has(job.name)) this.#add(job, now);
  }

  #add(job: ResolvedJob, now: number, lastStarted: number | null = null): void {
    const logs = createLogSink({ dir: join(this.#options.stateDir, 'logs'), service: jobLogName(job.name), onError: (error) => {
      this.#options.logger.warn('job log write failed', { job: job.name, error });
    } });
    const state: JobState = { job, logs, runs: new Map(), nextRunAt: null, timer: null, cron: null, last: null };
    this.#jobs.set(job.name, state);
    this.#schedule(state, now, lastStarted);
  }

  #schedule(state: JobState, now: number, lastStarted: number | null = null): void {
    const { job } = state;
    const everyMs = readEveryMs(job);
    if (everyMs !== null) {
      const { firstDue, missed } = planEveryStart(everyMs, lastStarted, now);
      this.#arm(state, firstDue, everyMs);
      if (missed && job.missed === 'run') this.#catchUp(state);
    } else if (job.schedule !== undefined) {
      const cron = new Cron(job.schedule, { unref: true }, () => {
        state.nextRunAt = cron.nextRun()?.getTime() ?? null;
        this.#due(state);
      });
      state.cron = cron;
      state.nextRunAt = cron.nextRun()?.getTime() ?? null;
      if (job.missed === 'run' && isCronRunMissed(cron.previousRuns(1)[0]?.getTime() ?? null, lastStarted)) this.#catchUp(state);
    }
  }

  // A run owed from while the daemon was down. Its services are starting too, so it waits for them to be ready
  // instead of being skipped; it is dropped if the job's next regular run comes first, or the job changes or goes.
  #catchUp(state: JobState): void {
    const { job } = state;
    const deadline = state.nextRunAt ?? Number.POSITIVE_INFINITY;
    const current = (): boolean => !this.#stopped && this.#jobs.get(job.name) === state && state.job === job && Date.now() < deadline;
    this.#track(waitServicesReady((service) => this.#options.supervisor.progress(service), job.depends_on, current).then((ready) => {
      if (ready) this.#due(state, 'missed');
    }));
  }

  #disarm(state: JobState): void {
    if (state.timer !== null) clearTimeout(state.timer);
    state.timer = null;
    state.cron?.stop();
    state.cron = null;
    state.nextRunAt = null;
  }

  // A job a deploy removed: no more runs, the ones in progress stopped (as a removed service's instances are), its
  // log closed once they are over. Its log file stays.
  #remove(state: JobState): void {
    this.#disarm(state);
    this.#jobs.delete(state.job.name);
    const stopped = [...state.runs.values()].map((run) => run.stop('the job was removed from the stack'));
    this.#track(Promise.all(stopped).then(() => state.logs.close()));
  }

  // Why a timer per due time rather than setInterval: the next one is computed from the due time, so a late
  // timer does not drift, and a daemon that was paused skips to the next interval instead of a burst.
  #arm(state: JobState, at: number, everyMs: number): void {
    state.nextRunAt = at;
    const timer = setTimeout(() => {
      if (this.#stopped || state.timer !== timer) return;
      this.#arm(state, nextEveryRun(at, everyMs, Date.now()), everyMs);
      this.#due(state);
    }, Math.max(0, at - Date.now()));
    timer.unref();
    state.timer = timer;
  }

  #due(state: JobState, trigger: JobTrigger = 'schedule'): void {
    if (this.#stopped) return;
    const admitted = this.#admit(state);
    if (admitted.ok) this.#track(this.#launch(state, admitted.env, trigger));
    else this.#skip(state, admitted.reason, admitted.extra);
  }

  /** Starts a run of `name` now, by hand (`berth jobs run`), under the rules a scheduled run follows. */
  async runNow(name: string): Promise<{ readonly ok: true; readonly run: JobRun } | { readonly ok: false; readonly code: 'BERTH_E_JOB_UNKNOWN' | 'BERTH_E_JOB_NOT_STARTED'; readonly reason: string }> {
    const state = this.#stopped ? undefined : this.#jobs.get(name);
    if (state === undefined) return { ok: false, code: 'BERTH_E_JOB_UNKNOWN', reason: [...this.#jobs.keys()].join(', ') || 'none' };
    const admitted = this.#admit(state);
    if (!admitted.ok) return { ok: false, code: 'BERTH_E_JOB_NOT_STARTED', reason: admitted.reason };
    const launched = this.#launch(state, admitted.env, 'manual');
    this.#track(launched);
    const run = await launched;
    return run === null ? { ok: false, code: 'BERTH_E_JOB_NOT_STARTED', reason: 'the daemon is stopping, or a deploy removed the job meanwhile' } : { ok: true, run };
  }

  // Whether a run may start now: its services ready, no run in progress under `overlap: forbid`, every late value
  // known; with the run's environment when it may.
  #admit(state: JobState): { readonly ok: true; readonly env: Record<string, string> } | { readonly ok: false; readonly reason: string; readonly extra: Record<string, unknown> } {
    const { job } = state;
    for (const service of job.depends_on) {
      const { ready, blocked } = this.#options.supervisor.progress(service);
      if (!ready) return { ok: false, reason: `${service} is not ready${blocked === null ? '' : ` (${blocked})`}`, extra: { service } };
    }
    const oldest = state.runs.values().next().value;
    if (oldest !== undefined && job.overlap === 'forbid') return { ok: false, reason: `run ${String(oldest.run)} is still running (overlap: forbid)`, extra: { running: oldest.run } };
    const { env, missing } = buildJobEnv(this.#options.baseEnv, this.#stack.name, job, (service, attr) => this.#options.supervisor.lookup(service, attr));
    if (missing.length > 0) return { ok: false, reason: `values not known yet: ${missing.join(', ')}`, extra: {} };
    return { ok: true, env };
  }

  // Starts a run, once the runs in progress are stopped under `overlap: replace`; null when the controller stopped or
  // a deploy removed the job meanwhile.
  async #launch(state: JobState, env: Record<string, string>, trigger: JobTrigger): Promise<JobRun | null> {
    const running = [...state.runs.values()];
    if (running.length > 0 && state.job.overlap === 'replace') {
      await Promise.all(running.map((run) => run.stop('replaced by a newer run (overlap: replace)')));
      if (this.#stopped || this.#jobs.get(state.job.name) !== state) return null;
    }
    return this.#start(state, env, trigger);
  }

  #skip(state: JobState, reason: string, extra: Record<string, unknown>): void {
    state.logs.write(0, `run skipped: ${reason}`);
    this.#options.record({ time: Date.now(), type: 'job_skipped', service: state.job.name, payload: { reason, ...extra } });
  }

  #start(state: JobState, env: Record<string, string>, trigger: JobTrigger): JobRun {
    const { job, logs } = state;
    this.#runNumber += 1;
    const run = startJobRun({ job, run: this.#runNumber, env, runDir: join(this.#options.stateDir, 'run'), logs, graceMs: parseDuration(job.stop.timeout) ?? DEFAULT_GRACE_MS });
    state.runs.set(run.run, run);
    if (run.pid !== 0) this.#options.record({ time: run.startedAt, type: 'job_started', service: job.name, instance: run.run, payload: { run: run.run, pid: run.pid, trigger } });
    this.#track(run.done.then((outcome) => {
      state.runs.delete(run.run);
      const finishedAt = Date.now();
      state.last = { startedAt: run.startedAt, finishedAt, outcome: outcome.kind, reason: outcome.kind === 'succeeded' ? null : outcome.reason };
      this.#finished(job, run, outcome, finishedAt);
    }));
    return run;
  }

  #finished(job: ResolvedJob, run: JobRun, outcome: JobOutcome, time: number): void {
    const base = { time, service: job.name, instance: run.run };
    if (outcome.kind === 'succeeded') {
      this.#options.record({ ...base, type: 'job_succeeded', payload: { run: run.run, ms: outcome.ms } });
      return;
    }
    if (outcome.kind === 'stopped') {
      this.#options.record({ ...base, type: 'job_stopped', payload: { run: run.run, ms: outcome.ms, reason: outcome.reason } });
      return;
    }
    this.#options.logger.warn('job failed', { job: job.name, run: run.run, reason: outcome.reason });
    this.#options.record({ ...base, type: 'job_failed', payload: { run: run.run, ms: outcome.ms, code: outcome.code, signal: outcome.signal, reason: outcome.reason } });
  }

  #track(promise: Promise<unknown>): void {
    const tracked = promise.catch((error: unknown) => {
      this.#options.logger.error('a job run failed unexpectedly', { error });
    }).finally(() => this.#pending.delete(tracked));
    this.#pending.add(tracked);
  }

  /** Every job: timing, next due time, runs in progress, the last finished run. */
  status(): JobStatus[] {
    // Every job of the stack, also before `start` (a `berth up -d` may ask just then): not scheduled yet.
    return Object.values(this.#stack.jobs).map((job) => {
      const state = this.#jobs.get(job.name);
      return {
        name: job.name,
        timing: describeJobTiming(job),
        nextRunAt: state?.nextRunAt ?? null,
        running: (state?.runs.size ?? 0) > 0,
        runningSince: state === undefined ? [] : [...state.runs.values()].map((run) => run.startedAt),
        last: state?.last ?? null,
      };
    });
  }

  /** Stops the schedules and every run in progress (whole process groups); resolves once all are gone. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const state of this.#jobs.values()) {
      this.#disarm(state);
      for (const run of state.runs.values()) void run.stop('the daemon stopped');
    }
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
    await Promise.all([...this.#jobs.values()].map((state) => state.logs.close()));
  }
}
