// The deploy planner (pure): from what the last deploy shipped (DeployState) and the new stack's hashes, decide
// which builds run, whether the `release` step runs, what happens to each service and which backups run first, and
// lay the steps out as data for one executor to run. Rules:
// - A service changes when its resolved config, the app code (not for recipes) or its build changed. It changes by
//   its strategy: `blue-green` (routed: new instances beside the old, the edge swaps, the old drain), `overlap`
//   (workers: new ready, then old stopped) or `replace` (old stopped, then new started); recipes and singletons
//   always `replace`, since two servers must never share a data folder and a singleton never runs twice. A new
//   service is `start`ed, one gone from the stack is `stop`ped. A dependency changing does not touch its dependents:
//   they change only when their own config does (e.g. a `${services.db.url}` that now resolves differently).
// - A build runs when its hash (command, folder, content of its `inputs`; every code file without inputs) differs
//   from the one last deployed; otherwise the previous build output is reused, from the release it was built in.
// - The release step runs the `release` commands whose hash changed: the command, the service's env, the app code
//   or its build. Changes to how a service runs (replicas, probes, routes, restart policy) do not re-run it.
// - Hooks: `deploy.hooks.pre` run right after the snapshot (before anything changes), `post` after the record.
// - Backups first: services with `backup.before_deploy` that change, and those the release step runs against (the
//   dependencies of a service whose release command runs: migrations write into them).
// - Jobs: a job is added, removed, or changed when a part of its resolved definition (command, cwd, env, timing,
//   overlap, ...) or, for a job that runs from the app folder, the app code changed. Any job change
//   makes the deploy real: one `jobs` step where the services switch points the daemon at the new stack (its jobs
//   follow it) and, on a rollback, back. Added and changed jobs run from the new release, so every build output
//   is copied into it (reused) even for services that do not change.
import type { ResolvedService, ResolvedStack } from '../config/resolved-stack.js';
import type { JobHashes, ServiceHashes } from './content-hash.js';
import type { DeployedService, DeployState } from './deploy-state.js';
import { describeJobChanges, planJobs, type JobPlan } from './plan-jobs.js';

export { describeJobChanges, type JobAction, type JobPlan } from './plan-jobs.js';

export type Strategy = 'blue-green' | 'overlap' | 'replace';
export type ServiceAction = Strategy | 'start' | 'stop' | 'unchanged';

export interface ServicePlan {
  readonly service: string;
  readonly action: ServiceAction;
  /** What changed, or that nothing did. */
  readonly reasons: readonly string[];
  /** How the action goes, in words (empty when unchanged). */
  readonly how: string;
  /** The release its instances run from now; null for a new service. */
  readonly from: string | null;
}

export interface BuildPlan {
  readonly service: string;
  readonly run: boolean;
  readonly reason: string;
  /** The release whose build output is reused when the build does not run. */
  readonly reuseFrom: string | null;
  readonly hash: string;
}

export interface ReleaseStepPlan {
  readonly runs: boolean;
  readonly reason: string;
  /** The services whose `release` command runs, in dependency order, each with why. */
  readonly commands: readonly { readonly service: string; readonly reason: string }[];
}

export interface BackupPlan {
  readonly service: string;
  readonly reason: string;
}

export type DeployStep =
  | { readonly kind: 'lock' }
  | { readonly kind: 'snapshot'; readonly ref: string | null }
  | { readonly kind: 'build'; readonly service: string }
  | { readonly kind: 'reuse-build'; readonly service: string; readonly from: string }
  | { readonly kind: 'hook'; readonly phase: 'pre' | 'post'; readonly index: number }
  | { readonly kind: 'backup'; readonly service: string }
  | { readonly kind: 'release'; readonly service: string }
  | { readonly kind: 'deploy'; readonly service: string; readonly action: Strategy | 'start' }
  | { readonly kind: 'stop'; readonly service: string }
  /** The jobs follow the new stack (added, changed, removed): `summary` says which, e.g. `tick changed (command)`. */
  | { readonly kind: 'jobs'; readonly summary: string }
  | { readonly kind: 'verify'; readonly window: string; readonly services: readonly string[] }
  | { readonly kind: 'record' };

export interface DeployPlan {
  /** False when nothing changed: then `steps` is empty and `summary` says so. */
  readonly changed: boolean;
  readonly summary: string;
  readonly ref: string | null;
  readonly builds: readonly BuildPlan[];
  readonly release: ReleaseStepPlan;
  readonly backups: readonly BackupPlan[];
  /** Every service of the stack in dependency order, then the removed ones. */
  readonly services: readonly ServicePlan[];
  /** Every job of the stack by name, then the removed ones. */
  readonly jobs: readonly JobPlan[];
  /** lock → snapshot → builds → backups → release → jobs → services → verify → record; the executor releases the lock. */
  readonly steps: readonly DeployStep[];
}

export interface PlanDeployInput {
  readonly stack: ResolvedStack;
  readonly hashes: Readonly<Record<string, ServiceHashes>>;
  readonly jobHashes: Readonly<Record<string, JobHashes>>;
  readonly previous: DeployState;
  /** The git ref deployed, or null for the working tree. */
  readonly ref?: string | null | undefined;
}

/** Services in dependency order (dependencies first; otherwise by name). The stack is cycle-free after lint. */
export function orderByDependencies(services: Readonly<Record<string, ResolvedService>>): string[] {
  const ordered: string[] = [];
  const seen = new Set<string>();
  const visit = (name: string): void => {
    const service = services[name];
    if (seen.has(name) || service === undefined) return;
    seen.add(name);
    for (const dependency of Object.keys(service.depends_on).sort()) visit(dependency);
    ordered.push(name);
  };
  for (const name of Object.keys(services).sort()) visit(name);
  return ordered;
}

/** The strategy a changing service deploys with, and how it goes. */
function strategyOf(service: ResolvedService): { strategy: Strategy; how: string } {
  if (service.kind === 'recipe') return { strategy: 'replace', how: 'data service: the old server stops, then the new one starts on the same data' };
  if (service.singleton) return { strategy: 'replace', how: 'singleton: the old instance stops, then the new one starts' };
  if (service.oneshot) return { strategy: 'replace', how: 'one-shot: runs again with the new version and must complete before its dependents change' };
  // Two instances cannot listen on one fixed port: zero downtime needs `http: true` (Berth assigns the ports).
  if (service.port !== null && service.deploy.strategy !== 'replace') return { strategy: 'replace', how: `fixed port ${String(service.port)}: the old instances stop, then the new start (set \`http: true\` without \`port\` for ${service.deploy.strategy})` };
  const strategy = service.deploy.strategy;
  if (strategy === 'blue-green') return { strategy, how: 'new instances start beside the old; once ready the edge switches to them and the old drain and stop' };
  if (strategy === 'overlap') return { strategy, how: 'new instances start; once ready the old stop' };
  return { strategy, how: 'the old instances stop, then the new start' };
}

function changesOf(hashes: ServiceHashes, deployed: DeployedService): string[] {
  const reasons: string[] = [];
  if (hashes.config !== deployed.configHash) reasons.push('config changed');
  if (hashes.code !== deployed.codeHash) reasons.push('app code changed');
  if (hashes.build !== deployed.buildHash) reasons.push(deployed.buildHash === null ? 'build added' : hashes.build === null ? 'build removed' : 'build inputs changed');
  return reasons;
}

function planService(service: ResolvedService, hashes: ServiceHashes, deployed: DeployedService | undefined): ServicePlan {
  if (deployed === undefined) return { service: service.name, action: 'start', reasons: ['new service'], how: 'started once what it depends on is ready', from: null };
  const reasons = changesOf(hashes, deployed);
  if (reasons.length === 0) return { service: service.name, action: 'unchanged', reasons: [service.kind === 'recipe' ? 'config unchanged' : 'config, code and build unchanged'], how: '', from: deployed.release };
  const { strategy, how } = strategyOf(service);
  return { service: service.name, action: strategy, reasons, how, from: deployed.release };
}

function planBuild(name: string, hash: string, deployed: DeployedService | undefined): BuildPlan {
  if (deployed !== undefined && deployed.buildHash === hash && deployed.builtIn !== null) return { service: name, run: false, reason: 'inputs unchanged', reuseFrom: deployed.builtIn, hash };
  const reason = deployed === undefined ? 'new service' : deployed.buildHash === null ? 'new build' : deployed.buildHash === hash ? 'no earlier build output to reuse' : 'inputs changed';
  return { service: name, run: true, reason, reuseFrom: null, hash };
}

function releaseReason(hashes: ServiceHashes, deployed: DeployedService | undefined): string | null {
  if (hashes.release === null) return null;
  if (deployed === undefined) return 'new service';
  if (deployed.releaseStepHash === hashes.release) return null;
  if (deployed.releaseStepHash === null) return 'release command added';
  const parts: string[] = [];
  if (hashes.code !== deployed.codeHash) parts.push('app code changed');
  if (hashes.build !== deployed.buildHash) parts.push('build changed');
  if (hashes.config !== deployed.configHash) parts.push('release command or env changed');
  return parts.length === 0 ? 'release inputs changed' : parts.join(', ');
}

/** Everything `names` depend on, transitively (not themselves). */
function dependenciesOf(services: Readonly<Record<string, ResolvedService>>, names: readonly string[]): Set<string> {
  const found = new Set<string>();
  const visit = (name: string): void => {
    for (const dependency of Object.keys(services[name]?.depends_on ?? {})) {
      if (found.has(dependency)) continue;
      found.add(dependency);
      visit(dependency);
    }
  };
  for (const name of names) visit(name);
  return found;
}

const plural = (count: number, word: string): string => `${String(count)} ${word}${count === 1 ? '' : 's'}`;

/** Plans a deploy (pure: no I/O, same input, same plan). */
export function planDeploy(input: PlanDeployInput): DeployPlan {
  const { stack, hashes, previous } = input;
  const ref = input.ref ?? null;
  const order = orderByDependencies(stack.services);
  const hashesOf = (name: string): ServiceHashes => {
    const found = hashes[name];
    if (found === undefined) throw new Error(`planDeploy: no hashes for service ${name}`);
    return found;
  };
  const serviceOf = (name: string): ResolvedService => {
    const found = stack.services[name];
    if (found === undefined) throw new Error(`planDeploy: no service ${name}`);
    return found;
  };
  const deployedOf = (name: string): DeployedService | undefined => (Object.hasOwn(previous.services, name) ? previous.services[name] : undefined);

  const services: ServicePlan[] = order.map((name) => planService(serviceOf(name), hashesOf(name), deployedOf(name)));
  const removed = Object.keys(previous.services).filter((name) => !Object.hasOwn(stack.services, name)).sort();
  for (const name of removed) services.push({ service: name, action: 'stop', reasons: ['removed from the stack'], how: 'its instances stop; its data folder is kept', from: deployedOf(name)?.release ?? null });
  const changing = new Set(services.filter((s) => s.action !== 'unchanged').map((s) => s.service));

  const jobs = planJobs(stack, input.jobHashes, previous);
  const jobChanges = describeJobChanges(jobs);
  // Added and changed jobs run from the new release: it must hold every build's output, not only the changed ones'.
  const jobsMove = jobs.some((j) => j.action === 'added' || j.action === 'changed');

  const builds: BuildPlan[] = [];
  for (const name of order) {
    const hash = hashesOf(name).build;
    if (hash !== null) builds.push(planBuild(name, hash, deployedOf(name)));
  }

  const commands = order.flatMap((name) => {
    const reason = releaseReason(hashesOf(name), deployedOf(name));
    return reason === null ? [] : [{ service: name, reason }];
  });
  const withRelease = order.filter((name) => serviceOf(name).release !== null);
  const release: ReleaseStepPlan = {
    runs: commands.length > 0,
    reason: withRelease.length === 0
      ? 'no service has a `release` command'
      : commands.length === 0
        ? 'release commands, their env, the app code and builds are unchanged'
        : commands.map((c) => `${c.service}: ${c.reason}`).join('; '),
    commands,
  };

  const migrated = dependenciesOf(stack.services, commands.map((c) => c.service));
  const backups: BackupPlan[] = order.flatMap((name) => {
    if (serviceOf(name).backup?.before_deploy !== true) return [];
    if (changing.has(name)) return [{ service: name, reason: 'changes in this deploy' }];
    if (migrated.has(name)) {
      const by = commands.filter((c) => dependenciesOf(stack.services, [c.service]).has(name)).map((c) => c.service);
      return [{ service: name, reason: `the release step of ${by.join(', ')} runs against it` }];
    }
    return [];
  });

  const total = order.length;
  if (changing.size === 0 && jobChanges === '') {
    const where = previous.release === null ? '' : ` in release ${previous.release}`;
    const what = jobs.length === 0 ? plural(total, 'service') : `${plural(total, 'service')} and ${plural(jobs.length, 'job')}`;
    return { changed: false, summary: `nothing changed: ${what} as deployed${where}; nothing to do`, ref, builds, release, backups: [], services, jobs, steps: [] };
  }

  const steps: DeployStep[] = [{ kind: 'lock' }, { kind: 'snapshot', ref }];
  stack.deploy.hooks.pre.forEach((_, index) => steps.push({ kind: 'hook', phase: 'pre', index }));
  for (const build of builds) {
    if (changing.has(build.service)) steps.push(build.run || build.reuseFrom === null ? { kind: 'build', service: build.service } : { kind: 'reuse-build', service: build.service, from: build.reuseFrom });
    else if (jobsMove && build.reuseFrom !== null) steps.push({ kind: 'reuse-build', service: build.service, from: build.reuseFrom });
  }
  for (const backup of backups) steps.push({ kind: 'backup', service: backup.service });
  for (const command of commands) steps.push({ kind: 'release', service: command.service });
  if (jobChanges !== '') steps.push({ kind: 'jobs', summary: jobChanges });
  const deployed: string[] = [];
  for (const plan of services) {
    if (plan.action === 'unchanged' || plan.action === 'stop') continue;
    steps.push({ kind: 'deploy', service: plan.service, action: plan.action });
    deployed.push(plan.service);
  }
  for (const name of removed) steps.push({ kind: 'stop', service: name });
  if (deployed.length > 0) steps.push({ kind: 'verify', window: stack.deploy.verify, services: deployed });
  steps.push({ kind: 'record' });
  stack.deploy.hooks.post.forEach((_, index) => steps.push({ kind: 'hook', phase: 'post', index }));

  const running = builds.filter((b) => b.run && changing.has(b.service)).length;
  const reused = builds.filter((b) => !b.run && changing.has(b.service)).length;
  const summary = [
    `${String(changing.size)} of ${plural(total + removed.length, 'service')} change`,
    `${plural(running, 'build')} ${running === 1 ? 'runs' : 'run'}${reused > 0 ? ` (${String(reused)} reused)` : ''}`,
    release.runs ? `release step runs (${commands.map((c) => c.service).join(', ')})` : 'release step does not run',
    backups.length > 0 ? `${plural(backups.length, 'backup')} first` : 'no backups first',
    ...(jobChanges === '' ? [] : [`jobs: ${jobChanges}`]),
  ].join('; ');
  return { changed: true, summary, ref, builds, release, backups, services, jobs, steps };
}
