// The probe loop for one instance and one phase: fast checks while the service starts, then one per interval;
// consecutive failures past the threshold report "failing" once, a pass after that reports "recovered".
import { formatDuration } from '../shared/duration.js';
import type { PreparedCheck } from './prepared-check.js';
import { systemClock, type ProbeClock } from './probe-clock.js';
import { makeResult } from './probe-output.js';
import { prepareProbeCheck } from './probe-registry.js';
import { computeStartPause, readProbeTimings } from './probe-schedule.js';
import type { ProbeResult, ProbeRunner, ProbeRunnerOptions } from './probe-types.js';
import { runCheck, type CheckRun } from './run-check.js';

export interface ProbeLoopDeps {
  /** Clock and timers; unit tests pass a fake one. */
  readonly clock?: ProbeClock;
  /** Prepares the check; defaults to the registry's check for the probe's kind. */
  readonly prepare?: (options: ProbeRunnerOptions) => PreparedCheck;
}

/**
 * Starts probing. startup/ready: the first check runs now (call this as the instance starts, so a log probe sees
 * its first line), then pauses start at 10 ms and grow to the interval; `firstPass` resolves on the first pass, or
 * with the last failure once start_timeout passes, after which the loop stops (fail closed: time passing never
 * passes). A startup probe stops after its first pass; a ready probe goes on at the interval. live: the first
 * check runs one interval after the start, and failures count from there.
 * Checks never overlap; one slower than the timeout is a failure.
 */
export function startProbe(options: ProbeRunnerOptions, deps: ProbeLoopDeps = {}): ProbeRunner {
  const clock = deps.clock ?? systemClock;
  const { intervalMs, timeoutMs, startTimeoutMs, failures } = readProbeTimings(options.probe);
  const startedAt = clock.now();
  const prepared = deps.prepare === undefined ? prepareProbeCheck(options.probe, options.target) : deps.prepare(options);
  // Armed: failures now count towards `failing`. Live probes are armed at once, as the instance is already ready.
  let armed = options.phase === 'live';
  let failing = false;
  let consecutive = 0;
  let last: ProbeResult | undefined;
  let halted = false;
  let inFlight: CheckRun | null = null;
  let wakeRequested = false;
  let timer: unknown = null;
  let stuckTimer: unknown = null;
  let startTimer: unknown = null;
  let resolveFirst: (result: ProbeResult) => void = () => undefined;
  let firstSettled = false;
  const firstPass = new Promise<ProbeResult>((resolve) => {
    resolveFirst = resolve;
  });
  const settleFirst = (result: ProbeResult): void => {
    if (firstSettled) return;
    firstSettled = true;
    resolveFirst(result);
  };
  const clear = (handle: unknown): null => {
    if (handle !== null) clock.clearTimeout(handle);
    return null;
  };

  const halt = (reason: string): void => {
    if (halted) return;
    halted = true;
    timer = clear(timer);
    stuckTimer = clear(stuckTimer);
    startTimer = clear(startTimer);
    inFlight?.abort(reason);
    prepared.close();
  };

  const schedule = (delayMs: number): void => {
    if (halted) return;
    timer = clear(timer);
    timer = clock.setTimeout(tick, delayMs);
  };

  const nextDelay = (): number => {
    if (wakeRequested) return 0;
    return armed ? intervalMs : computeStartPause(clock.now() - startedAt, intervalMs);
  };

  const record = (result: ProbeResult): void => {
    last = result;
    consecutive = result.ok ? 0 : consecutive + 1;
    options.onResult?.(result);
    if (halted) return;
    if (result.ok) settleFirst(result);
    if (!armed) {
      if (!result.ok) return;
      armed = true;
      startTimer = clear(startTimer);
      // A startup probe only gates the start; ready and live take over from here.
      if (options.phase === 'startup') halt('the startup probe passed');
      return;
    }
    if (result.ok && failing) {
      failing = false;
      options.onRecovered?.(result);
    } else if (!result.ok && !failing && consecutive >= failures) {
      failing = true;
      options.onFailing?.(result);
    }
  };

  // Why a watchdog: a check that ignores its abort must still count as failing (live: restart), without a second
  // check starting beside it.
  const watchStuck = (run: CheckRun): void => {
    if (halted) return;
    stuckTimer = clock.setTimeout(() => {
      stuckTimer = null;
      if (halted || inFlight !== run) return;
      record(makeResult(false, `the previous check is still running ${formatDuration(timeoutMs)} after its timeout`, clock.now()));
      watchStuck(run);
    }, timeoutMs);
  };

  function tick(): void {
    timer = null;
    if (halted || inFlight !== null) return;
    wakeRequested = false;
    const run = runCheck(prepared.run, timeoutMs, clock);
    inFlight = run;
    void run.result.then((result) => {
      if (halted) return;
      record(result);
      if (inFlight === run) watchStuck(run);
    });
    void run.finished.then(() => {
      if (inFlight === run) inFlight = null;
      stuckTimer = clear(stuckTimer);
      schedule(nextDelay());
    });
  }

  prepared.onEvent?.(() => {
    if (halted) return;
    wakeRequested = true;
    if (inFlight === null) schedule(0);
  });

  if (options.phase === 'live') {
    schedule(intervalMs);
  } else {
    startTimer = clock.setTimeout(() => {
      startTimer = null;
      if (halted || armed) return;
      settleFirst(last ?? makeResult(false, `no check finished within start_timeout ${formatDuration(startTimeoutMs)}`, startedAt, clock.now()));
      halt('start_timeout passed');
    }, startTimeoutMs);
    tick();
  }

  return {
    firstPass,
    last: () => last,
    failures: () => consecutive,
    stop: () => {
      halt('the probe was stopped');
      settleFirst(makeResult(false, last === undefined ? 'stopped before any check finished' : `stopped before passing; last check: ${last.output}`, clock.now(), clock.now()));
    },
  };
}
