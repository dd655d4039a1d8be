// The environment a job run starts with: what a service instance gets (buildProcessEnv: the daemon's own, the job's
// env and env files, late references filled in, $BERTH_STACK), and $BERTH_JOB.
import type { ResolvedJob } from '../config/resolved-stack.js';
import { buildProcessEnv, type ReferenceLookup } from '../supervisor/instance-env.js';

/** Builds the environment; names of late values not known yet (a service without its port) come back in `missing`. */
export function buildJobEnv(base: Readonly<Record<string, string | undefined>>, stackName: string, job: Pick<ResolvedJob, 'name' | 'env' | 'late_env'>, lookup: ReferenceLookup): { env: Record<string, string>; missing: string[] } {
  const built = buildProcessEnv(base, stackName, job, lookup);
  built.env.BERTH_JOB = job.name;
  return built;
}
