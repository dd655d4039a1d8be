// What `berth status` and `berth up -d` print: the instances, then the jobs and the edge when there are any.
import type { EdgeStatus } from '../daemon/edge-controller.js';
import type { JobStatus } from '../daemon/job-controller.js';
import type { InstanceStatus } from '../supervisor/supervisor-types.js';
import { formatEdgeStatus } from './format-edge-status.js';
import { formatJobsTable } from './format-jobs.js';
import { formatStatusTable } from './format-status.js';

/** The sections, a blank line between them; `now` is passed in so tests are stable. */
export function formatStackStatus(instances: readonly InstanceStatus[], jobs: readonly JobStatus[], edge: EdgeStatus | null, now: number): string {
  return [formatStatusTable(instances, now), formatJobsTable(jobs, now), formatEdgeStatus(edge)].filter((section) => section !== '').join('\n\n');
}
