// The name a job's output and process records go under: `job.NAME`, so `.berth/logs/job.NAME.log`. Why the
// prefix: names never contain a dot, so a job's files and records can never be taken for a service's.

/** The log (and process record) name of a job. */
export function jobLogName(job: string): string {
  return `job.${job}`;
}
