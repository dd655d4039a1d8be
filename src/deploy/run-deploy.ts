// The one executor of deploy steps. The plan's steps are data; this runs them in order through `DeployActions`
// (the daemon's side effects, or a test's) and keeps the one rule that matters: a failed deploy leaves the old
// version serving. Before the first service changes, a failure or an interrupt just stops (nothing ran yet but
// builds in the new release folder); once services change, every change made so far is reverted in reverse order.
// The `jobs` step changes no service itself: it points the supervisor at the new stack (the jobs follow it) if no
// service step did yet, and a rollback points it back (enterRollback), so the jobs follow back.
import type { DeployStep, Strategy } from './plan-deploy.js';
import type { DeployOutcome, SummaryRow } from './deploy-history.js';

export type SwitchAction = Strategy | 'start';

export interface ActionResult {
  readonly ok: boolean;
  /** Why it failed, or a note (a warning for a hook). */
  readonly detail?: string;
  /** The failing instances' last log lines, shown with a failure. */
  readonly logs?: readonly string[];
  readonly result?: SummaryRow['result'];
  /** For a service step: the old instances still run untouched after this failure (blue-green / overlap gate). */
  readonly oldUntouched?: boolean;
}

/** What running a step does. Every method resolves (never rejects) with how it went. */
export interface DeployActions {
  build(service: string, signal: AbortSignal): Promise<ActionResult>;
  reuseBuild(service: string, from: string): Promise<ActionResult>;
  hook(phase: 'pre' | 'post', index: number, signal: AbortSignal): Promise<ActionResult>;
  backup(service: string): Promise<ActionResult>;
  release(service: string, signal: AbortSignal): Promise<ActionResult>;
  /** Points the supervisor at the new stack (its jobs follow it): called once, before the first service or jobs step. */
  enterServicePhase(): void;
  switchService(service: string, action: SwitchAction): Promise<ActionResult>;
  stopService(service: string): Promise<ActionResult>;
  verify(windowMs: number, services: readonly string[], signal: AbortSignal): Promise<ActionResult>;
  /** Points the supervisor back at the old stack (the jobs follow back): called once, before the first revert. */
  enterRollback(): void;
  /** Undoes a switch or a stop (a new service is removed, a removed one started again, a changed one swapped back). */
  revertService(service: string, action: SwitchAction | 'stop'): Promise<ActionResult>;
  record(): Promise<ActionResult>;
}

export interface DeployProgress {
  readonly step: DeployStep;
  readonly phase: 'begin' | 'end';
  readonly row?: SummaryRow;
}

export interface RunDeployOptions {
  readonly steps: readonly DeployStep[];
  readonly actions: DeployActions;
  readonly signal: AbortSignal;
  /** The release being deployed and the one each service runs now, for the summary's from → to. */
  readonly release: string;
  readonly from: (service: string) => string | null;
  readonly parseWindow: (window: string) => number;
  readonly report?: (progress: DeployProgress) => void;
  readonly now?: () => number;
}

export interface DeployRun {
  readonly outcome: Exclude<DeployOutcome, 'running'>;
  readonly reason: string | null;
  readonly rows: readonly SummaryRow[];
  /** The failing step's instances' last log lines. */
  readonly logs: readonly string[];
}

function itemOf(step: DeployStep): string {
  switch (step.kind) {
    case 'build': case 'reuse-build': return `build ${step.service}`;
    case 'backup': return `backup ${step.service}`;
    case 'release': return `release ${step.service}`;
    case 'hook': return `hook ${step.phase} ${String(step.index + 1)}`;
    case 'deploy': case 'stop': return step.service;
    case 'verify': return `verify ${step.window}`;
    case 'jobs': return `jobs: ${step.summary}`;
    default: return step.kind;
  }
}

/** Runs the steps; never throws for a failing step (the outcome says what happened). */
export async function runDeploy(options: RunDeployOptions): Promise<DeployRun> {
  const { actions, signal, release } = options;
  const now = options.now ?? Date.now;
  const rows: SummaryRow[] = [];
  const changed: { service: string; action: SwitchAction | 'stop'; row: number }[] = [];
  let jobsRow: number | null = null;
  let inServicePhase = false;

  const run = async (step: DeployStep): Promise<ActionResult> => {
    switch (step.kind) {
      case 'build': return actions.build(step.service, signal);
      case 'reuse-build': return actions.reuseBuild(step.service, step.from);
      case 'hook': return actions.hook(step.phase, step.index, signal);
      case 'backup': return actions.backup(step.service);
      case 'release': return actions.release(step.service, signal);
      case 'deploy': return actions.switchService(step.service, step.action);
      case 'stop': return actions.stopService(step.service);
      case 'verify': return actions.verify(options.parseWindow(step.window), step.services, signal);
      case 'record': return actions.record();
      default: return { ok: true }; // `jobs` included: entering the service phase (below) is all it does
    }
  };

  const rollback = async (): Promise<void> => {
    // Also with nothing to revert: the supervisor must make instances from the old stack again (a gate that failed
    // left the old instances serving, but the stack already pointed at the new definitions).
    if (!inServicePhase) return;
    actions.enterRollback();
    const jobs = jobsRow === null ? undefined : rows[jobsRow];
    if (jobsRow !== null && jobs !== undefined) rows[jobsRow] = { ...jobs, result: 'rolled back', detail: 'jobs back to the definitions of the old stack' };
    for (const change of [...changed].reverse()) {
      const started = now();
      const result = await actions.revertService(change.service, change.action);
      const row = rows[change.row];
      if (row !== undefined) rows[change.row] = { ...row, result: result.ok ? 'rolled back' : 'failed', ms: row.ms + now() - started, detail: result.ok ? `rolled back to ${row.from ?? 'nothing'}` : `rollback failed: ${result.detail ?? ''}` };
    }
  };

  const end = async (outcome: DeployRun['outcome'], reason: string | null, logs: readonly string[] = []): Promise<DeployRun> => {
    if (outcome !== 'succeeded') await rollback();
    return { outcome, reason, rows, logs };
  };

  for (const step of options.steps) {
    if (step.kind === 'lock' || step.kind === 'snapshot') continue;
    if (signal.aborted && !(step.kind === 'hook' && step.phase === 'post')) return end('interrupted', 'interrupted (SIGINT); the old version keeps serving');
    if ((step.kind === 'deploy' || step.kind === 'stop' || step.kind === 'jobs') && !inServicePhase) {
      inServicePhase = true;
      actions.enterServicePhase();
    }
    options.report?.({ step, phase: 'begin' });
    const started = now();
    const result = await run(step);
    const service = step.kind === 'deploy' || step.kind === 'stop' ? step.service : null;
    const row: SummaryRow = {
      item: itemOf(step),
      from: service === null ? null : options.from(service),
      to: step.kind === 'deploy' || step.kind === 'jobs' ? release : null,
      result: result.result ?? (result.ok ? (step.kind === 'stop' ? 'stopped' : 'done') : step.kind === 'hook' && step.phase === 'post' ? 'warning' : 'failed'),
      ms: now() - started,
      ...(result.detail === undefined ? {} : { detail: result.detail }),
    };
    rows.push(row);
    if (step.kind === 'jobs') jobsRow = rows.length - 1;
    options.report?.({ step, phase: 'end', row });
    if (service !== null && (result.ok || result.oldUntouched !== true)) changed.push({ service, action: step.kind === 'deploy' ? step.action : 'stop', row: rows.length - 1 });
    if (result.ok) continue;
    if (step.kind === 'hook' && step.phase === 'post') continue; // after the record: the deploy stands, with a warning
    if (signal.aborted) return end('interrupted', `interrupted (SIGINT) during ${row.item}; the old version keeps serving`, result.logs);
    const reason = `${row.item} failed: ${result.detail ?? 'no reason given'}`;
    return end(inServicePhase ? 'rolled_back' : 'failed', reason, result.logs);
  }
  return { outcome: 'succeeded', reason: null, rows, logs: [] };
}
