// When a job is due next: `every` counts from the daemon's start and then from each due time (a slow run does
// not push the schedule back). Pure: the time is passed in. (`schedule` is croner's, in the job controller.)
import type { ResolvedJob } from '../config/resolved-stack.js';
import { parseDuration } from '../shared/duration.js';

/** The shortest interval `every` is run at; `every: 0s` would otherwise spin. */
export const MIN_EVERY_MS = 100;

/** The interval of an `every` job in milliseconds (at least MIN_EVERY_MS), or null for a cron job. */
export function readEveryMs(job: Pick<ResolvedJob, 'every'>): number | null {
  if (job.every === undefined) return null;
  return Math.max(MIN_EVERY_MS, parseDuration(job.every) ?? MIN_EVERY_MS);
}

/**
 * The due time after `previousDue`: one interval later, or, when the daemon fell behind (a paused machine),
 * the first whole interval after `now`, so missed runs are not made up in a burst.
 */
export function nextEveryRun(previousDue: number, intervalMs: number, now: number): number {
  const next = previousDue + intervalMs;
  if (next > now) return next;
  return previousDue + intervalMs * (Math.floor((now - previousDue) / intervalMs) + 1);
}

/** How a job's timing reads in `berth status`: `every 5m` or the cron expression. */
export function describeJobTiming(job: Pick<ResolvedJob, 'every' | 'schedule'>): string {
  return job.every !== undefined ? `every ${job.every}` : (job.schedule ?? '?');
}
