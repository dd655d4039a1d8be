// One run of a job: spawned through the process layer in its own process group, recorded under `.berth/run/`
// (a daemon that starts after a crashed one reaps it), its output in the job's log, a timeout that stops the
// whole group (`stop.signal`, then SIGKILL after `stop.timeout`), and whatever the leader left behind stopped too.
import type { ResolvedJob } from '../config/resolved-stack.js';
import { removeProcessRecord, writeProcessRecord } from '../exec/process-records.js';
import { spawnProcess, type ExitInfo } from '../exec/spawn-process.js';
import { stopProcessGroup, type StopResult } from '../exec/stop-process-group.js';
import type { LogSink } from '../logs/log-types.js';
import { parseDuration } from '../shared/duration.js';
import { jobLogName } from '../scheduler/job-log-name.js';

export interface JobRunOptions {
  readonly job: ResolvedJob;
  /** The run's number in this daemon's life (1, 2, ...): its instance in logs, events and records. */
  readonly run: number;
  readonly env: Readonly<Record<string, string>>;
  readonly runDir: string;
  readonly logs: LogSink;
  /** How long a stopped or timed-out run has after its stop signal before SIGKILL (the job's `stop.timeout`). */
  readonly graceMs: number;
}

export type JobOutcome =
  | { readonly kind: 'succeeded'; readonly ms: number }
  | { readonly kind: 'failed'; readonly ms: number; readonly code: number | null; readonly signal: string | null; readonly reason: string }
  | { readonly kind: 'stopped'; readonly ms: number; readonly reason: string };

export interface JobRun {
  readonly run: number;
  /** 0 when the process could not be started. */
  readonly pid: number;
  readonly startedAt: number;
  /** Resolves once the run is over and its process group is empty. Never rejects. */
  readonly done: Promise<JobOutcome>;
  /** Stops the run's whole group (`stop.signal`, then SIGKILL); resolves with its outcome, `stopped` with `reason`. */
  readonly stop: (reason: string) => Promise<JobOutcome>;
}

type Ending = { readonly kind: 'timeout' } | { readonly kind: 'stopped'; readonly reason: string };

/** Starts a run now. */
export function startJobRun(options: JobRunOptions): JobRun {
  const { job, run, logs, runDir, graceMs } = options;
  const name = jobLogName(job.name);
  const handle = spawnProcess({ command: job.command, cwd: job.cwd, env: options.env, chunksInPlace: true });
  const startedAt = Date.now();
  if (handle.pid === 0) {
    const done = handle.exit.then((exit): JobOutcome => {
      const reason = `could not start: ${exit.error ?? 'unknown error'}`;
      logs.write(run, reason);
      return { kind: 'failed', ms: 0, code: null, signal: null, reason };
    });
    return { run, pid: 0, startedAt, done, stop: () => done };
  }
  writeProcessRecord(runDir, { service: name, instance: run, pid: handle.pid, pgid: handle.pgid, startTime: handle.startTime });
  if (handle.stdout !== null) logs.attach(run, 'out', handle.stdout);
  if (handle.stderr !== null) logs.attach(run, 'err', handle.stderr);
  logs.write(run, `run ${String(run)} started (pid ${String(handle.pid)})`);
  let ending: Ending | null = null;
  let stopping: Promise<StopResult> | null = null;
  const stopGroup = (): Promise<StopResult> => (stopping ??= stopProcessGroup(handle.pgid, job.stop.signal, graceMs));
  const end = (why: Ending): void => {
    ending ??= why;
    void stopGroup();
  };
  const timeoutMs = job.timeout === undefined ? null : (parseDuration(job.timeout) ?? null);
  const timer = timeoutMs === null ? null : setTimeout(() => {
    logs.write(run, `timed out after ${job.timeout ?? '?'}; stopping its process group`);
    end({ kind: 'timeout' });
  }, timeoutMs);
  timer?.unref();
  const done = (async (): Promise<JobOutcome> => {
    const exit = await handle.exit;
    const ms = Date.now() - startedAt;
    if (timer !== null) clearTimeout(timer);
    const why = ending;
    // The leader is gone; anything it left running in its group (a backgrounded child) goes too.
    await stopGroup();
    removeProcessRecord(runDir, name, run);
    const outcome = describeOutcome(exit, why, ms, job.timeout);
    logs.write(run, outcome.kind === 'succeeded' ? `run ${String(run)} succeeded in ${formatMs(ms)}` : `run ${String(run)} ${outcome.kind}: ${outcome.reason} (${formatMs(ms)})`);
    return outcome;
  })();
  return {
    run, pid: handle.pid, startedAt, done,
    stop: (reason) => {
      end({ kind: 'stopped', reason });
      return done;
    },
  };
}

function describeOutcome(exit: ExitInfo, why: Ending | null, ms: number, timeout: string | undefined): JobOutcome {
  if (why?.kind === 'stopped') return { kind: 'stopped', ms, reason: why.reason };
  if (why?.kind === 'timeout') return { kind: 'failed', ms, code: exit.code, signal: exit.signal, reason: `timed out after ${timeout ?? '?'}` };
  if (exit.error !== undefined) return { kind: 'failed', ms, code: null, signal: null, reason: `could not start: ${exit.error}` };
  if (exit.code === 0) return { kind: 'succeeded', ms };
  return { kind: 'failed', ms, code: exit.code, signal: exit.signal, reason: exit.signal === null ? `exited with code ${String(exit.code)}` : `killed by ${exit.signal}` };
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${String(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
