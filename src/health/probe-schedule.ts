// When the probe loop checks: right away while a service starts, backing off geometrically to the interval.
import type { ResolvedProbe } from '../config/resolved-stack.js';
import { parseDuration } from '../shared/duration.js';

/** The first pause while a service starts. */
export const FAST_START_MS = 10;
/**
 * While starting, each pause is this share of the time since the probe started (never under FAST_START_MS), so
 * pauses grow by 5 % a check and readiness is seen within ~5 % of the service's own boot time, capped at the interval.
 * Why not double each time: a service that boots in 300 ms would then be seen up to 150 ms late.
 */
export const FAST_BACKOFF_SHARE = 0.05;

export interface ProbeTimings {
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly startTimeoutMs: number;
  readonly failures: number;
}

// The schema's defaults; used only if a string somehow fails to parse (it was validated when loaded).
const DEFAULTS: ProbeTimings = { intervalMs: 10_000, timeoutMs: 2_000, startTimeoutMs: 60_000, failures: 3 };

/** The probe's durations in milliseconds. */
export function readProbeTimings(probe: ResolvedProbe): ProbeTimings {
  return {
    intervalMs: Math.max(1, parseDuration(probe.interval) ?? DEFAULTS.intervalMs),
    timeoutMs: Math.max(1, parseDuration(probe.timeout) ?? DEFAULTS.timeoutMs),
    startTimeoutMs: parseDuration(probe.start_timeout) ?? DEFAULTS.startTimeoutMs,
    failures: Number.isInteger(probe.failures) && probe.failures >= 1 ? probe.failures : DEFAULTS.failures,
  };
}

/** The pause before the next check while starting, `elapsedMs` after the probe started. */
export function computeStartPause(elapsedMs: number, intervalMs: number): number {
  return Math.min(intervalMs, Math.max(FAST_START_MS, Math.round(elapsedMs * FAST_BACKOFF_SHARE)));
}
