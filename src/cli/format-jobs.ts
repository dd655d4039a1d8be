// The jobs section of `berth status`: one row a job, with its timing, next run and last run.
import type { JobStatus } from '../daemon/job-controller.js';
import { formatTable } from './format-table.js';

/** Renders the jobs table; '' when there are no jobs. `now` is passed in so tests are stable. */
export function formatJobsTable(jobs: readonly JobStatus[], now: number): string {
  if (jobs.length === 0) return '';
  const header = ['JOB', 'WHEN', 'NEXT RUN', 'RUNNING', 'LAST RUN'];
  const rows = jobs.map((job) => [
    job.name,
    job.timing,
    job.nextRunAt === null ? '-' : `${new Date(job.nextRunAt).toISOString()} (in ${formatSeconds(job.nextRunAt - now)})`,
    job.running ? `yes, ${String(job.runningSince.length)} since ${formatSeconds(now - Math.min(...job.runningSince))}` : 'no',
    job.last === null ? '-' : `${job.last.outcome}${job.last.reason === null ? '' : ` (${job.last.reason})`}, ${formatSeconds(now - job.last.finishedAt)} ago, took ${formatSeconds(job.last.finishedAt - job.last.startedAt)}`,
  ]);
  return formatTable(header, rows).join('\n');
}

function formatSeconds(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${String(seconds)}s`;
  if (seconds < 3600) return `${String(Math.floor(seconds / 60))}m${String(seconds % 60)}s`;
  return `${String(Math.floor(seconds / 3600))}h${String(Math.floor((seconds % 3600) / 60))}m`;
}
