// The first deploy of a stack that `berth up` already runs: its services are not in the deploy state, but they
// are not new either. Each running service is adopted with what is known of it: its config (the definition the
// supervisor runs) and, for app services, code that differs from any release (it runs from the stack folder), so
// the planner switches it by its zero-downtime strategy instead of "starting" a second copy. A recipe whose
// config is unchanged stays untouched: restarting a database on its first deploy would be downtime for nothing.
// Jobs the daemon runs that the state does not know (the first deploy, or a state written before deploys recorded
// jobs) are adopted the same way: their definition as it runs, and code from the stack folder when they run there.
import type { ResolvedStack } from '../config/resolved-stack.js';
import { hashJobConfig, hashServiceConfig, jobRunsFromApp } from './content-hash.js';
import type { DeployedJob, DeployedService, DeployState } from './deploy-state.js';

/** Stands for "not from any release": never equal to a sha256, so the planner sees a change. */
export const UNKNOWN_HASH = '0'.repeat(64);
/** The `release` a service adopted from `berth up` runs from. */
export const STACK_FOLDER = 'stack folder';

/**
 * The deploy state plus an entry for every service of `running` named in `names`, and every job named in `jobNames`,
 * the state does not know (pure).
 */
export function adoptRunning(previous: DeployState, running: ResolvedStack, names: Iterable<string>, jobNames: Iterable<string> = []): DeployState {
  const services: Record<string, DeployedService> = { ...previous.services };
  for (const name of names) {
    const service = running.services[name];
    if (service === undefined || Object.hasOwn(services, name)) continue;
    const app = service.kind !== 'recipe';
    services[name] = {
      configHash: hashServiceConfig(service, running.root),
      codeHash: app ? UNKNOWN_HASH : null,
      buildHash: service.build === null ? null : UNKNOWN_HASH,
      releaseStepHash: service.release === null ? null : UNKNOWN_HASH,
      builtIn: null,
      release: STACK_FOLDER,
    };
  }
  const jobs: Record<string, DeployedJob> = { ...previous.jobs };
  let adopted = false;
  for (const name of jobNames) {
    const job = running.jobs[name];
    if (job === undefined || Object.hasOwn(jobs, name)) continue;
    const { config, parts } = hashJobConfig(job, running.root);
    jobs[name] = { configHash: config, partHashes: parts, codeHash: jobRunsFromApp(job, running.root) ? UNKNOWN_HASH : null, release: STACK_FOLDER };
    adopted = true;
  }
  return { ...previous, services, ...(adopted ? { jobs } : {}) };
}
