// When a job is due next: `every` counts from its last run under an earlier daemon (or from the daemon's start when
// it never ran) and then from each due time (a slow run does not push the schedule back); a run owed from before the
// start is made up once. Pure: the times are passed in. (`schedule` is croner's, in the job controller.)
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

/**
 * Where an `every` job's schedule starts when the daemon starts. One interval after its last run under an earlier
 * daemon, so a restart does not push a 5-minute job back by up to 5 minutes; one interval after the start when it
 * never ran. `missed`: that time has passed, so one run is owed now and the schedule starts from now.
 */
export function planEveryStart(intervalMs: number, lastStartedAt: number | null, now: number): { readonly firstDue: number; readonly missed: boolean } {
  if (lastStartedAt === null) return { firstDue: now + intervalMs, missed: false };
  const due = lastStartedAt + intervalMs;
  // A last run in the future (the clock was set back) waits no longer than one interval.
  return due > now ? { firstDue: Math.min(due, now + intervalMs), missed: false } : { firstDue: now + intervalMs, missed: true };
}

/**
 * Whether a `schedule` job owes a run when the daemon starts: its most recent occurrence came after its last run under
 * an earlier daemon (the daemon was down, or the run was skipped). A job that never ran owes nothing, so a new stack
 * does not fire all its jobs on its first start.
 */
export function isCronRunMissed(previousOccurrence: number | null, lastStartedAt: number | null): boolean {
  return previousOccurrence !== null && lastStartedAt !== null && lastStartedAt < previousOccurrence;
}

/** How a job's timing reads in `berth status`: `every 5m` or the cron expression. */
export function describeJobTiming(job: Pick<ResolvedJob, 'every' | 'schedule'>): string {
  return job.every !== undefined ? `every ${job.every}` : (job.schedule ?? '?');
}
