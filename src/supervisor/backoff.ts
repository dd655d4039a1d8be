// Restart timing: exponential backoff from `initial`, capped at `max`, never giving up.

export interface BackoffPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
  /** Uptime after which a run counts as stable and the backoff starts over. */
  readonly resetAfterMs: number;
}

/** Consecutive short runs after which a service counts as crash-looping. */
export const CRASH_LOOP_THRESHOLD = 5;

/** Delay before restart number `attempt` (1-based) of a run of consecutive failures; also the retry delay of
 * certificate renewals and alert deliveries. */
export function restartDelay(attempt: number, policy: Pick<BackoffPolicy, 'initialMs' | 'maxMs'>): number {
  if (attempt <= 1) return Math.min(policy.initialMs, policy.maxMs);
  const exponent = Math.min(attempt - 1, 30);
  return Math.min(policy.initialMs * 2 ** exponent, policy.maxMs);
}

/** The failure count after a run that lasted `uptimeMs`: a stable run resets it. */
export function nextFailureCount(previous: number, uptimeMs: number, policy: BackoffPolicy): number {
  return uptimeMs >= policy.resetAfterMs ? 1 : previous + 1;
}
