// The environment a job run starts with: the daemon's own, the job's (stack env, env files, `env`), late
// references filled in as for services, and $BERTH_STACK / $BERTH_JOB.
import type { ResolvedJob } from '../config/resolved-stack.js';
import { fillLateValue, type ReferenceLookup } from '../supervisor/instance-env.js';

/** Builds the environment; names of late values not known yet (a service without its port) come back in `missing`. */
export function buildJobEnv(base: Readonly<Record<string, string | undefined>>, stackName: string, job: Pick<ResolvedJob, 'name' | 'env' | 'late_env'>, lookup: ReferenceLookup): { env: Record<string, string>; missing: string[] } {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(base)) if (value !== undefined) env[key] = value;
  Object.assign(env, job.env);
  const missing: string[] = [];
  for (const [key, parts] of Object.entries(job.late_env)) {
    const value = fillLateValue(parts, lookup);
    if (value === undefined) missing.push(key);
    else env[key] = value;
  }
  env.BERTH_STACK = stackName;
  env.BERTH_JOB = job.name;
  return { env, missing };
}
