// Pure: a scheduled backup is overdue when its last verified backup (or, with none, the time watching began) is
// older than two intervals of its schedule.
import { Cron } from 'croner';

/** The interval of a cron schedule around `now`: the gap between its two latest occurrences (null when unknown). */
export function scheduleInterval(schedule: string, now: number): number | null {
  try {
    const cron = new Cron(schedule, { paused: true });
    const [latest, before] = cron.previousRuns(2, new Date(now));
    cron.stop();
    return latest === undefined || before === undefined ? null : latest.getTime() - before.getTime();
  } catch {
    return null;
  }
}

/** True when a backup on `schedule` last verified at `lastVerified` (null: never; `watchedSince` counts) is overdue. */
export function isBackupOverdue(schedule: string, lastVerified: number | null, watchedSince: number, now: number): boolean {
  const interval = scheduleInterval(schedule, now);
  if (interval === null) return false;
  return now - (lastVerified ?? watchedSince) > 2 * interval;
}
