// At daemon start: the services the last deploy shipped run from their release folders, not from the stack
// folder (a `berth down` then `berth up` must not silently go back to whatever the working tree holds). A missing
// or unreadable deploy state, or a release folder that is gone, leaves the service where it is, with a warning.
import { existsSync } from 'node:fs';
import type { ResolvedStack } from '../config/resolved-stack.js';
import type { Logger } from '../shared/logger.js';
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
  if (state.release === null) return stack;
  const releasesDir = releasesDirOf(stateDir);
  const releases: Record<string, string> = {};
  for (const [name, deployed] of Object.entries(state.services)) {
    if (!RELEASE_ID.test(deployed.release)) continue;
    if (existsSync(releaseAppDir(releasesDir, deployed.release))) releases[name] = deployed.release;
    else logger.warn('release folder missing; the service runs from the stack folder', { service: name, release: deployed.release });
  }
  return rebaseStack(stack, releasesDir, releases);
}
