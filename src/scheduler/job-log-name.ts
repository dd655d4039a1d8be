// The name a job's output and process records go under: `job.NAME`, so `.berth/logs/job.NAME.log`. Why the
// prefix: a job may share its name with a service, and stack names never contain a dot, so these never collide.

/** The log (and process record) name of a job. */
export function jobLogName(job: string): string {
  return `job.${job}`;
}
