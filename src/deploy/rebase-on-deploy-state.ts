// At daemon start: a deploy the last daemon died during is marked interrupted, and the services the last deploy
// (and jobs) shipped run from their release folders, not from the stack folder (a `berth down` then `berth up` must not
// silently go back to whatever the working tree holds). A missing
// or unreadable deploy state, or a release folder that is gone, leaves the service where it is, with a warning.
import { existsSync } from 'node:fs';
import type { ResolvedStack } from '../config/resolved-stack.js';
import type { Logger } from '../shared/logger.js';
import { settleInterruptedDeploys } from './deploy-history.js';
import { deployStatePath, readDeployState } from './deploy-state.js';
import { rebaseStack, releaseAppDir } from './rebase-stack.js';
import { releasesDirOf, RELEASE_ID } from './snapshot-release.js';

export function rebaseOnDeployState(stack: ResolvedStack, stateDir: string, logger: Logger): ResolvedStack {
  let state;
  try {
    state = readDeployState(deployStatePath(stateDir));
  } catch (error) {
    logger.warn('deploy state unreadable; services run from the stack folder', { reason: error instanceof Error ? error.message : String(error) });
    return stack;
  }
  const releasesDir = releasesDirOf(stateDir);
  // Only a stack that was ever deployed has a releases folder (and deploy rows to settle).
  if (existsSync(releasesDir)) {
    try {
      const interrupted = settleInterruptedDeploys(stateDir);
      if (interrupted > 0) logger.warn('a deploy was interrupted when the last daemon stopped; the deployed release runs', { interrupted, release: state.release });
    } catch (error) {
      logger.warn('deploy history unavailable', { reason: error instanceof Error ? error.message : String(error) });
    }
  }
  if (state.release === null) return stack;
  // Per service (or job) the release it was deployed in, when that folder is still there.
  const present = (deployed: Readonly<Record<string, { readonly release: string }>>, kind: 'service' | 'job'): Record<string, string> => {
    const releases: Record<string, string> = {};
    for (const [name, { release }] of Object.entries(deployed)) {
      if (!RELEASE_ID.test(release)) continue;
      if (existsSync(releaseAppDir(releasesDir, release))) releases[name] = release;
      else logger.warn(`release folder missing; the ${kind} runs from the stack folder`, { [kind]: name, release });
    }
    return releases;
  };
  return rebaseStack(stack, releasesDir, present(state.services, 'service'), present(state.jobs ?? {}, 'job'));
}
