// Points a stack's app services at the release folders they run from. A service's working folder (and a static
// site's folder) inside the stack folder moves to the same place inside `.berth/releases/<id>/app/`; recipes keep
// their data folders where they are, and a folder outside the stack folder is left alone (it is not in a release).
// Jobs move the same way (their working folder). The result is a new deep-frozen stack with the same secrets registered, so redaction keeps working on it.
import { isAbsolute, join, relative } from 'node:path';
import type { ResolvedJob, ResolvedService, ResolvedStack } from '../config/resolved-stack.js';
import { getSecrets, registerSecrets } from '../config/secrets.js';
import { deepFreeze } from '../shared/deep-freeze.js';
import { APP_FOLDER, RELEASE_ID } from './snapshot-release.js';

/** `.berth/releases/<id>/app` */
export function releaseAppDir(releasesDir: string, release: string): string {
  return join(releasesDir, release, APP_FOLDER);
}

/** `path` moved from `root` into `appDir`; unchanged when it is not inside `root`. */
export function rebasePath(path: string, root: string, appDir: string): string {
  const inside = relative(root, path);
  if (inside.startsWith('..') || isAbsolute(inside)) return path;
  return inside === '' ? appDir : join(appDir, inside);
}

function rebaseService(service: ResolvedService, root: string, appDir: string): ResolvedService {
  if (service.kind === 'recipe') return service;
  const cwd = rebasePath(service.cwd, root, appDir);
  const dir = service.static === null ? null : rebasePath(service.static.dir, root, appDir);
  return { ...service, cwd, static: service.static === null || dir === null ? null : { ...service.static, dir } };
}

/** The release id named for `name`, if it is one: only a release id moves anything (an adopted one runs from the stack folder: adopt-running.ts). */
function releaseOf(releases: Readonly<Record<string, string | null>>, name: string): string | null {
  const release = Object.hasOwn(releases, name) ? releases[name] : undefined;
  return release === undefined || release === null || !RELEASE_ID.test(release) ? null : release;
}

/** The stack with each service named in `releases` and each job in `jobReleases` running from that release (others as they are). */
export function rebaseStack(stack: ResolvedStack, releasesDir: string, releases: Readonly<Record<string, string | null>>, jobReleases: Readonly<Record<string, string | null>> = {}): ResolvedStack {
  const services: Record<string, ResolvedService> = {};
  for (const [name, service] of Object.entries(stack.services)) {
    const release = releaseOf(releases, name);
    services[name] = release === null ? service : rebaseService(service, stack.root, releaseAppDir(releasesDir, release));
  }
  const jobs: Record<string, ResolvedJob> = {};
  for (const [name, job] of Object.entries(stack.jobs)) {
    const release = releaseOf(jobReleases, name);
    jobs[name] = release === null ? job : { ...job, cwd: rebasePath(job.cwd, stack.root, releaseAppDir(releasesDir, release)) };
  }
  const rebased = deepFreeze({ ...stack, services, jobs }) as unknown as ResolvedStack;
  registerSecrets(rebased, getSecrets(stack));
  return rebased;
}
