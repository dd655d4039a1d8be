// The daemon's side of `berth deploy` and `berth rollback`: one deploy at a time; plan from content hashes (the
// working tree, a git ref, or a kept release for a rollback); snapshot; run the plan's steps through the one
// executor; write the deploy state and the history; prune releases. The CLI holds the deploy lock around it and
// streams the progress. A deploy outlives the CLI that asked for it (an ssh session that drops does not leave it
// half done); only an explicit cancel (Ctrl-C in the CLI) interrupts it, and that reverts what it changed.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ResolvedStack } from '../config/resolved-stack.js';
import { adoptRunning } from '../deploy/adopt-running.js';
import { hashReleaseTree } from '../deploy/build-outputs.js';
import { computeJobHashes, computeServiceHashes, listConfigFiles, type JobHashes, type ServiceHashes, type TreeHashes } from '../deploy/content-hash.js';
import { finishDeploy, insertDeploy, listDeploys, type DeployRecord } from '../deploy/deploy-history.js';
import { deployStatePath, readDeployState, writeDeployState, type DeployState } from '../deploy/deploy-state.js';
import { planDeploy, type DeployPlan, type DeployStep } from '../deploy/plan-deploy.js';
import { pruneReleases } from '../deploy/prune-releases.js';
import { rebaseStack } from '../deploy/rebase-stack.js';
import { recordDeploy } from '../deploy/record-deploy.js';
import { runDeploy, type DeployProgress, type DeployRun } from '../deploy/run-deploy.js';
import { hashWorkingTree, releasesDirOf, snapshotRelease } from '../deploy/snapshot-release.js';
import { BerthError } from '../errors/diagnostic.js';
import { parseDuration } from '../shared/duration.js';
import type { Logger } from '../shared/logger.js';
import type { NewEvent } from '../state/event-store.js';
import { openStateDb, stateDbPath, type StateDb } from '../state/open-state-db.js';
import { createRedactor, redactValue, type Redactor } from '../state/redact-secrets.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import type { BackupController } from './backup-controller.js';
import { createDeployActions } from './deploy-actions.js';
import type { EdgeController } from './edge-controller.js';

export interface DeployRequest {
  readonly kind: 'deploy' | 'rollback';
  /** The stack as loaded from the working tree (not rebased onto releases). */
  readonly stack: ResolvedStack;
  /** berth.yml, overlays and env files: config, not code. */
  readonly configFiles: readonly string[];
  readonly ref: string | null;
  /** Rollback: the release to go back to (null: the one before the running one). */
  readonly target: string | null;
  readonly holder: string;
}

interface Planned {
  readonly plan: DeployPlan;
  readonly hashes: Record<string, ServiceHashes>;
  readonly jobHashes: Record<string, JobHashes>;
}

export type DeployMessage =
  | { readonly type: 'plan'; readonly plan: DeployPlan; readonly release: string | null; readonly warnings: readonly string[] }
  | { readonly type: 'step'; readonly progress: DeployProgress }
  | { readonly type: 'done'; readonly outcome: DeployRun['outcome'] | 'unchanged'; readonly reason: string | null; readonly release: string | null; readonly run: DeployRun | null; readonly ms: number }
  | { readonly type: 'error'; readonly code: string; readonly message: string };

export interface DeployControllerOptions {
  readonly supervisor: Supervisor;
  readonly edge: EdgeController | null;
  readonly backups: BackupController | null;
  readonly stateDir: string;
  readonly logger: Logger;
  readonly record: (event: NewEvent) => void;
  readonly baseEnv: Readonly<Record<string, string | undefined>>;
}

export class DeployController {
  readonly #options: DeployControllerOptions;
  /** Its own connection to state.db (the history); null when it cannot be opened (deploys still run). */
  readonly #db: StateDb | null;
  #running: { readonly abort: AbortController; readonly done: Promise<void> } | null = null;

  constructor(options: DeployControllerOptions) {
    this.#options = options;
    this.#db = openHistory(options.stateDir, options.logger);
  }

  /** Closes the history database (daemon shutdown, after any deploy in progress ended). */
  async close(): Promise<void> {
    await this.settle();
    this.#db?.close();
  }

  /** Interrupts the deploy in progress (it reverts what it changed); false when none runs. */
  cancel(): boolean {
    if (this.#running === null) return false;
    this.#running.abort.abort();
    return true;
  }

  /** Waits for a deploy in progress (daemon shutdown). */
  async settle(): Promise<void> {
    await this.#running?.done;
  }

  #history(limit?: number): DeployRecord[] {
    return this.#db === null ? [] : listDeploys(this.#db, limit);
  }

  #state(): DeployState {
    return readDeployState(deployStatePath(this.#options.stateDir));
  }

  /** Runs a deploy, sending messages as it goes; resolves when it is over. Refuses a second one at once. */
  async run(request: DeployRequest, send: (message: DeployMessage) => void): Promise<void> {
    if (this.#running !== null) {
      send({ type: 'error', code: 'BERTH_E_DEPLOY_BUSY', message: 'a deploy is already running in this daemon' });
      return;
    }
    const abort = new AbortController();
    let finish: () => void = () => undefined;
    this.#running = { abort, done: new Promise((resolve) => (finish = resolve)) };
    // What goes out (progress, reasons, the last log lines of a failing build or instance) has the stack's secrets
    // blanked, like events: a build that prints its env must not put a password on the deployer's screen.
    const redact = createRedactor(request.stack);
    const redacted = (message: DeployMessage): void => {
      send(redactValue(message, redact) as DeployMessage);
    };
    try {
      await this.#run(request, redacted, abort.signal, redact);
    } catch (error) {
      const diagnostic = error instanceof BerthError ? error.diagnostics[0] : undefined;
      redacted({ type: 'error', code: diagnostic?.code ?? 'BERTH_E_INTERNAL', message: diagnostic?.message ?? (error instanceof Error ? error.message : String(error)) });
    } finally {
      this.#running = null;
      finish();
    }
  }

  async #run(request: DeployRequest, send: (message: DeployMessage) => void, signal: AbortSignal, redact: Redactor): Promise<void> {
    const started = Date.now();
    const { supervisor, stateDir } = this.#options;
    const releasesDir = releasesDirOf(stateDir);
    const recorded = this.#state();
    // The jobs the daemon runs follow supervisor.stack (JobController.follow): those are the running ones.
    const previous = adoptRunning(recorded, supervisor.stack, supervisor.status().map((s) => s.service), Object.keys(supervisor.stack.jobs));
    const configFiles = listConfigFiles(request.stack.root, request.configFiles);
    const warnings: string[] = [];
    const planFor = (tree: TreeHashes): Planned => {
      const hashes = computeServiceHashes(request.stack, tree, configFiles);
      const jobHashes = computeJobHashes(request.stack, tree, configFiles);
      return { plan: planDeploy({ stack: request.stack, hashes, jobHashes, previous, ref: request.ref }), hashes, jobHashes };
    };

    let release: string;
    let fresh = false;
    let planned: Planned;
    if (request.kind === 'rollback') {
      const target = request.target ?? recorded.previousRelease;
      // No files.json (hashReleaseTree: null) means no such release folder, or one made before files.json existed.
      const tree = target === null ? null : hashReleaseTree(join(releasesDir, target));
      if (target === null || tree === null) {
        send({ type: 'error', code: 'BERTH_E_ROLLBACK_TARGET', message: target === null ? 'there is no earlier release to roll back to' : `release ${target} is not kept in ${releasesDir}` });
        return;
      }
      release = target;
      planned = planFor(tree);
      planned = { ...planned, plan: withoutBuilds(planned.plan) };
      warnings.push(...this.#migrationWarnings(target));
    } else {
      // Nothing changed is decided before any copy is made: a no-op deploy stays well under a second.
      const early = request.ref === null ? planFor(hashWorkingTree(request.stack.root).tree).plan : null;
      if (early !== null && !early.changed) {
        send({ type: 'plan', plan: early, release: recorded.release, warnings });
        send({ type: 'done', outcome: 'unchanged', reason: early.summary, release: recorded.release, run: null, ms: Date.now() - started });
        return;
      }
      const snapshot = snapshotRelease({ root: request.stack.root, releasesDir, ref: request.ref });
      release = snapshot.id;
      fresh = true;
      planned = planFor(snapshot.tree);
    }
    const { plan, hashes, jobHashes } = planned;
    send({ type: 'plan', plan, release, warnings });
    if (!plan.changed) {
      if (fresh) rmSync(join(releasesDir, release), { recursive: true, force: true }); // ours, made a moment ago, unused
      send({ type: 'done', outcome: 'unchanged', reason: plan.summary, release: recorded.release, run: null, ms: Date.now() - started });
      return;
    }
    const result = await this.#execute({ request, plan, hashes, jobHashes, previous, recorded, release, releasesDir, signal, send, redact });
    send({ type: 'done', outcome: result.outcome, reason: result.reason, release, run: result, ms: Date.now() - started });
  }

  async #execute(input: { request: DeployRequest; plan: DeployPlan; hashes: Record<string, ServiceHashes>; jobHashes: Record<string, JobHashes>; previous: DeployState; recorded: DeployState; release: string; releasesDir: string; signal: AbortSignal; send: (message: DeployMessage) => void; redact: Redactor }): Promise<DeployRun> {
    const { request, plan, hashes, jobHashes, previous, release, releasesDir } = input;
    const { supervisor, logger } = this.#options;
    const db = this.#db;
    const oldStack = supervisor.stack;
    // Changing and new services run from the new release; unchanged ones from the release they run from now.
    const releases: Record<string, string | null> = {};
    for (const step of plan.services) releases[step.service] = step.action === 'unchanged' ? step.from : release;
    // Added and changed jobs run from the new release too; unchanged ones stay where they run.
    const jobReleases: Record<string, string | null> = {};
    for (const step of plan.jobs) jobReleases[step.job] = step.action === 'unchanged' ? step.from : release;
    const newStack = rebaseStack(request.stack, releasesDir, releases, jobReleases);
    const historyId = db === null ? null : insertDeploy(db, { kind: request.kind, release, previousRelease: input.recorded.release, ref: request.ref, holder: request.holder, startedAt: Date.now() });
    const actions = createDeployActions({
      supervisor, edge: this.#options.edge, backups: this.#options.backups, releasesDir, release, oldStack, newStack, baseEnv: this.#options.baseEnv,
      record: () => {
        const next = recordDeploy(previous, plan, hashes, jobHashes, release, new Date());
        writeDeployState(deployStatePath(this.#options.stateDir), next);
        const inUse = [...Object.values(next.services), ...Object.values(next.jobs ?? {})].map((s) => s.release);
        pruneReleases({ releasesDir, running: next.release, previous: next.previousRelease, inUse, keep: request.stack.deploy.keep });
        return Promise.resolve({ ok: true });
      },
    });
    logger.info('deploy started', { kind: request.kind, release, summary: plan.summary, holder: request.holder });
    const raw = await runDeploy({
      steps: plan.steps,
      actions, signal: input.signal, release,
      from: (service) => plan.services.find((s) => s.service === service)?.from ?? null,
      parseWindow: (window) => parseDuration(window) ?? 10_000,
      report: (progress) => { input.send({ type: 'step', progress }); },
    });
    // The history, the daemon log and the event get the same blanked text as the deployer.
    const run = redactValue(raw, input.redact) as DeployRun;
    if (db !== null && historyId !== null) finishDeploy(db, historyId, { state: run.outcome, reason: run.reason, steps: run.rows, finishedAt: Date.now() });
    logger.info('deploy finished', { kind: request.kind, release, outcome: run.outcome, reason: run.reason });
    const type = run.outcome === 'succeeded' ? 'deploy_succeeded' : run.outcome === 'rolled_back' ? 'deploy_rolled_back' : 'deploy_failed';
    this.#options.record({ time: Date.now(), type, payload: { kind: request.kind, release, outcome: run.outcome, reason: run.reason } });
    return run;
  }

  /** A rollback to a release older than a deploy that ran migrations: the database keeps the newer schema. */
  #migrationWarnings(target: string): string[] {
    const history = this.#history(200);
    const targetDeploy = history.find((d) => d.release === target && d.state === 'succeeded');
    const later = history.filter((d) => d.state === 'succeeded' && (targetDeploy === undefined || d.id > targetDeploy.id) && d.release !== target);
    const migrated = later.filter((d) => d.steps.some((row) => row.item.startsWith('release ') && row.result === 'done'));
    return migrated.map((d) => `release ${target} predates the release step (migrations) that ran in the deploy of ${d.release ?? '?'} (${new Date(d.startedAt).toISOString()}): ${d.steps.filter((r) => r.item.startsWith('release ')).map((r) => r.item.slice(8)).join(', ')}; the database keeps that schema, which ${target}'s code may not expect`);
  }
}

// Rows a dead daemon left `running` were settled at this daemon's start (rebase-on-deploy-state.ts).
function openHistory(stateDir: string, logger: Logger): StateDb | null {
  try {
    return openStateDb(stateDbPath(stateDir));
  } catch (error) {
    logger.warn('deploy history unavailable', { reason: error instanceof Error ? error.message : String(error) });
    return null;
  }
}

/** A rollback reuses the target release as it is: no snapshot, builds, release step or pre-deploy hooks. */
function withoutBuilds(plan: DeployPlan): DeployPlan {
  const kept = (s: DeployStep): boolean => s.kind !== 'build' && s.kind !== 'reuse-build' && s.kind !== 'release' && s.kind !== 'snapshot' && !(s.kind === 'hook' && s.phase === 'pre');
  return { ...plan, steps: plan.steps.filter(kept), release: { runs: false, reason: 'a rollback never re-runs the release step', commands: [] } };
}
