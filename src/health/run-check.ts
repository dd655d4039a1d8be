// Runs one check against a deadline: late or throwing checks become failures, so a probe never passes by accident.
import { formatDuration } from '../shared/duration.js';
import { systemClock, type ProbeClock } from './probe-clock.js';
import { describeError, makeResult } from './probe-output.js';
import type { ProbeResult } from './probe-types.js';

/** One check that is given an AbortSignal which aborts at its deadline. */
export type SignalledCheck = (signal: AbortSignal) => Promise<ProbeResult>;

export interface CheckRun {
  /** The result; past the deadline always a failure (the check's own within ABORT_GRACE_MS, else "timed out"). */
  readonly result: Promise<ProbeResult>;
  /** Settles when the check itself has finished, after any cleanup (an exec probe's group killed). */
  readonly finished: Promise<void>;
  /** Aborts the check now; `result` becomes a failure (the check's own, or `reason`) unless it already settled. */
  abort(reason: string): void;
}

/**
 * After the deadline the check is aborted and given this long to report its own failure (an exec probe's last
 * output lines are worth the wait); a check that stays silent gets a plain "timed out" failure.
 */
export const ABORT_GRACE_MS = 1000;

/** Starts `check` with a signal that aborts after `timeoutMs`; never rejects. */
export function runCheck(check: SignalledCheck, timeoutMs: number, clock: ProbeClock = systemClock): CheckRun {
  const startedAt = clock.now();
  const controller = new AbortController();
  let settle: (result: ProbeResult) => void = () => undefined;
  let settled = false;
  let timer: unknown = null;
  const result = new Promise<ProbeResult>((resolve) => {
    settle = (value) => {
      if (settled) return;
      settled = true;
      if (timer !== null) clock.clearTimeout(timer);
      resolve(value);
    };
  });
  const abort = (reason: string): void => {
    if (settled || controller.signal.aborted) return;
    controller.abort(new Error(reason));
    if (timer !== null) clock.clearTimeout(timer);
    timer = clock.setTimeout(() => {
      settle(makeResult(false, reason, startedAt, clock.now()));
    }, ABORT_GRACE_MS);
  };
  timer = clock.setTimeout(() => {
    abort(`timed out after ${formatDuration(timeoutMs)}`);
  }, timeoutMs);
  let running: Promise<ProbeResult>;
  try {
    running = check(controller.signal);
  } catch (error) {
    running = Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
  const finished = running.then(
    (value) => {
      // Restamped on the loop's clock, so a schedule and its results agree under a fake clock too. Once aborted
      // it is a failure whatever it says: an answer after the deadline does not count.
      const reason = abortReason(controller.signal);
      const output = reason === null || value.output.startsWith(reason) ? value.output : `${reason}; ${value.output}`;
      settle({ ok: value.ok && reason === null, output, durationMs: Math.max(0, clock.now() - startedAt), time: clock.now() });
    },
    (error: unknown) => {
      settle(makeResult(false, abortReason(controller.signal) ?? `check failed: ${describeError(error)}`, startedAt, clock.now()));
    },
  );
  return { result, finished, abort };
}

function abortReason(signal: AbortSignal): string | null {
  if (!signal.aborted) return null;
  return signal.reason instanceof Error ? signal.reason.message : 'aborted';
}
