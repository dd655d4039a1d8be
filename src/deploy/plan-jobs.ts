// The jobs part of the deploy plan (pure): each job of the new stack added, changed (with what changed) or unchanged
// against the job hashes the last deploy recorded, then the jobs it recorded that are gone. A job changes when a part
// of its resolved definition changed or, for a job that runs from the app folder, the app code did.
import type { ResolvedStack } from '../config/resolved-stack.js';
import type { JobHashes } from './content-hash.js';
import type { DeployedJob, DeployState } from './deploy-state.js';

export type JobAction = 'added' | 'changed' | 'removed' | 'unchanged';

export interface JobPlan {
  readonly job: string;
  readonly action: JobAction;
  /** What changed (`command changed`, `app code changed`, `new job`, ...), or that nothing did. */
  readonly reasons: readonly string[];
  /** The release it runs from now; null for a new job (or one the last deploy did not record). */
  readonly from: string | null;
}

const NOT_RECORDED = 'not recorded by the last deploy';

function planJob(name: string, hashes: JobHashes, previousJobs: DeployState['jobs'], deployedBefore: boolean): JobPlan {
  if (previousJobs === undefined) return deployedBefore ? { job: name, action: 'changed', reasons: [NOT_RECORDED], from: null } : { job: name, action: 'added', reasons: ['new job'], from: null };
  const deployed: DeployedJob | undefined = Object.hasOwn(previousJobs, name) ? previousJobs[name] : undefined;
  if (deployed === undefined) return { job: name, action: 'added', reasons: ['new job'], from: null };
  const reasons: string[] = [];
  if (hashes.config !== deployed.configHash) {
    const parts = [...new Set([...Object.keys(hashes.parts), ...Object.keys(deployed.partHashes)])].sort();
    const differ = parts.filter((part) => hashes.parts[part] !== deployed.partHashes[part]);
    reasons.push(...(differ.length === 0 ? ['definition changed'] : differ.map((part) => `${part} changed`)));
  }
  if (hashes.code !== deployed.codeHash) reasons.push(hashes.code === null ? 'no longer runs from the app folder' : deployed.codeHash === null ? 'now runs from the app folder' : 'app code changed');
  if (reasons.length === 0) return { job: name, action: 'unchanged', reasons: [hashes.code === null ? 'definition unchanged' : 'definition and code unchanged'], from: deployed.release };
  return { job: name, action: 'changed', reasons, from: deployed.release };
}

/** `tick changed (command), nightly added, old removed`: the jobs a deploy changes, in one line. */
export function describeJobChanges(jobs: readonly JobPlan[]): string {
  return jobs
    .filter((j) => j.action !== 'unchanged')
    .map((j) => (j.action === 'changed' ? `${j.job} changed (${j.reasons.map((r) => r.replace(/ changed$/, '')).join(', ')})` : `${j.job} ${j.action}`))
    .join(', ');
}

/** Every job of `stack` by name, then those the last deploy recorded that are gone from it. */
export function planJobs(stack: ResolvedStack, jobHashes: Readonly<Record<string, JobHashes>>, previous: DeployState): JobPlan[] {
  const jobs: JobPlan[] = Object.keys(stack.jobs).sort().map((name) => {
    const found = jobHashes[name];
    if (found === undefined) throw new Error(`planDeploy: no hashes for job ${name}`);
    return planJob(name, found, previous.jobs, previous.release !== null);
  });
  for (const name of Object.keys(previous.jobs ?? {}).filter((n) => !Object.hasOwn(stack.jobs, n)).sort()) {
    jobs.push({ job: name, action: 'removed', reasons: ['removed from the stack'], from: previous.jobs?.[name]?.release ?? null });
  }
  return jobs;
}
