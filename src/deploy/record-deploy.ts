// The deploy state after a deploy succeeded (pure): what the `record` step writes. Changed services take the new
// hashes and release; a build's output is in the new release either way (built there or copied there), so
// builtIn is the new release and the next reuse copies from a release that is kept; unchanged services keep their
// entry (they still run from their older release); removed services are dropped. Jobs the same way: added and
// changed ones take the new hashes and release, unchanged ones keep theirs, removed ones are dropped.
import type { JobHashes, ServiceHashes } from './content-hash.js';
import type { DeployedJob, DeployedService, DeployState } from './deploy-state.js';
import type { DeployPlan } from './plan-deploy.js';

export function recordDeploy(previous: DeployState, plan: DeployPlan, hashes: Readonly<Record<string, ServiceHashes>>, jobHashes: Readonly<Record<string, JobHashes>>, release: string, now: Date): DeployState {
  if (!plan.changed) return previous;
  const services: Record<string, DeployedService> = {};
  for (const step of plan.services) {
    if (step.action === 'stop') continue;
    const kept = previous.services[step.service];
    if (step.action === 'unchanged' && kept !== undefined) {
      services[step.service] = kept;
      continue;
    }
    const h = hashes[step.service];
    if (h === undefined) throw new Error(`recordDeploy: no hashes for service ${step.service}`);
    const build = plan.builds.find((b) => b.service === step.service);
    services[step.service] = {
      configHash: h.config,
      codeHash: h.code,
      buildHash: h.build,
      releaseStepHash: h.release,
      builtIn: build === undefined ? null : release,
      release,
    };
  }
  const jobs: Record<string, DeployedJob> = {};
  for (const step of plan.jobs) {
    if (step.action === 'removed') continue;
    const kept = previous.jobs?.[step.job];
    if (step.action === 'unchanged' && kept !== undefined) {
      jobs[step.job] = kept;
      continue;
    }
    const h = jobHashes[step.job];
    if (h === undefined) throw new Error(`recordDeploy: no hashes for job ${step.job}`);
    jobs[step.job] = { configHash: h.config, partHashes: h.parts, codeHash: h.code, release };
  }
  const previousRelease = previous.release === release ? previous.previousRelease : previous.release;
  return { version: 1, release, previousRelease, deployedAt: now.toISOString(), services, jobs };
}
