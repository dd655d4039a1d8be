// The jobs section of `berth status`: one row a job, with its timing, next run and last run.
import type { JobStatus } from '../daemon/job-controller.js';
import { formatSeconds } from './format-status.js';
import { formatTable } from './format-table.js';

/** Renders the jobs table; '' when there are no jobs. `now` is passed in so tests are stable. */
export function formatJobsTable(jobs: readonly JobStatus[], now: number): string {
  if (jobs.length === 0) return '';
  const header = ['JOB', 'WHEN', 'NEXT RUN', 'RUNNING', 'LAST RUN'];
  const rows = jobs.map((job) => [
    job.name,
    job.timing,
    job.nextRunAt === null ? '-' : `${new Date(job.nextRunAt).toISOString()} (in ${formatAge(job.nextRunAt - now)})`,
    job.running ? `yes, ${String(job.runningSince.length)} since ${formatAge(now - Math.min(...job.runningSince))}` : 'no',
    job.last === null ? '-' : `${job.last.outcome}${job.last.reason === null ? '' : ` (${job.last.reason})`}, ${formatAge(now - job.last.finishedAt)} ago, took ${formatAge(job.last.finishedAt - job.last.startedAt)}`,
  ]);
  return formatTable(header, rows).join('\n');
}

// Rounded, not floored like an uptime: a run due in 59.6 s reads "in 1m0s".
function formatAge(ms: number): string {
  return formatSeconds(Math.max(0, Math.round(ms / 1000)));
}
