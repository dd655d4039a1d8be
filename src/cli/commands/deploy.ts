// `berth deploy [--plan] [--ref REF]`: ships a release to the running stack (the daemon runs the steps; this
// command holds the deploy lock and prints the progress), or with --plan prints what a deploy would do and stops.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { callApi } from '../../client/api-client.js';
import { adoptRunning } from '../../deploy/adopt-running.js';
import { computeJobHashes, computeServiceHashes, listConfigFiles, type TreeHashes } from '../../deploy/content-hash.js';
import { deployStatePath, readDeployState } from '../../deploy/deploy-state.js';
import { planDeploy } from '../../deploy/plan-deploy.js';
import { hashWorkingTree, snapshotRelease } from '../../deploy/snapshot-release.js';
import { getStatePaths } from '../../daemon/state-paths.js';
import { BerthError, createDiagnostic } from '../../errors/diagnostic.js';
import { formatDeployPlan } from '../format-deploy-plan.js';
import { EXIT, useColor, type CliIo } from '../io.js';
import { loadForCli, printDiagnostics } from '../load-for-cli.js';
import { parseOptions } from '../parse-options.js';
import { usageError } from '../print-diagnostics.js';
import { resolveStackFile, STACK_OPTIONS } from '../stack-target.js';

export const DEPLOY_HELP = `Usage: berth deploy [--plan] [--ref REF] [--file FILE] [--env NAME] [--json]

Ships a new release to the running stack. Hashes the app (the working tree minus .gitignore and
.berthignore, or the git ref REF) and each service's and job's resolved config, compares them with
the last deploy, and then: takes the deploy lock, snapshots the app into .berth/releases/<id>/,
runs the builds whose inputs changed (reusing the others), deploy.hooks.pre, the backups that must
come first, the \`release\` commands (migrations) once with the new code and env, points the jobs
at their new definitions (added, changed, removed), switches each changed service by its strategy
(blue-green behind the edge, overlap, replace), watches the verification window (deploy.verify)
and records the release; then deploy.hooks.post. If anything fails, the old version keeps serving
(what changed, jobs included, is rolled back) and the reason and the last log lines are printed.
Nothing changed: nothing is done. Ctrl-C interrupts and reverts.
berth.yml and env files are read from the working tree even with --ref.
Exit status: 0 deployed (or nothing to do), 1 failed or rolled back, 2 bad input.
  --plan      print the plan and stop; nothing is changed
  --ref REF   plan a release of this git commit, branch or tag instead of the working tree
  --json      the plan (with --plan) or the result as JSON`;

/** The release files' hashes: the working tree as it is, or the ref extracted into a temp folder and removed. */
function readTree(root: string, ref: string | null): TreeHashes {
  if (ref === null) return hashWorkingTree(root).tree;
  const scratch = mkdtempSync(join(tmpdir(), 'berth-plan-'));
  try {
    return snapshotRelease({ root, releasesDir: scratch, ref }).tree;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

export async function runDeploy(args: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseOptions('deploy', args, { ...STACK_OPTIONS, plan: { type: 'boolean' }, ref: { type: 'string' }, json: { type: 'boolean' } });
  if (!parsed.ok) return usageError(io, parsed.diagnostic);
  if (parsed.values.help === true) return (io.stdout(DEPLOY_HELP), EXIT.ok);
  if (parsed.positionals.length > 0) return usageError(io, createDiagnostic('BERTH_E_USAGE', { params: { command: 'deploy', reason: `unexpected argument ${parsed.positionals.join(' ')}` } }));
  const file = resolveStackFile(io, typeof parsed.values.file === 'string' ? parsed.values.file : undefined);
  const loaded = loadForCli(io, file, typeof parsed.values.env === 'string' ? parsed.values.env : undefined);
  if (!loaded.ok) {
    printDiagnostics(io, loaded.diagnostics, loaded.context.sources);
    return EXIT.badInput;
  }
  if (loaded.warnings.length > 0) printDiagnostics(io, loaded.warnings, loaded.context.sources);
  const { stack } = loaded;
  const ref = typeof parsed.values.ref === 'string' ? parsed.values.ref : null;
  const configFiles = [stack.file, ...loaded.context.sources.keys(), ...loaded.context.envFiles];
  if (parsed.values.plan !== true) {
    const { runDeploySession } = await import('../deploy-session.js');
    return runDeploySession(io, { kind: 'deploy', stack, configFiles, ref, target: null, json: parsed.values.json === true });
  }
  try {
    const paths = getStatePaths(stack.file);
    // As the daemon plans it: services and jobs `berth up` runs that no deploy shipped yet are adopted, not new.
    const status = await callApi(paths.socket, 'GET', '/v1/status', 2000);
    const body = status.ok ? (status.body as { instances?: { service: string }[]; jobs?: { name: string }[] }) : {};
    const running = (body.instances ?? []).map((i) => i.service);
    const previous = adoptRunning(readDeployState(deployStatePath(paths.stateDir)), stack, running, (body.jobs ?? []).map((j) => j.name));
    const tree = readTree(stack.root, ref);
    const config = listConfigFiles(stack.root, configFiles);
    const plan = planDeploy({ stack, hashes: computeServiceHashes(stack, tree, config), jobHashes: computeJobHashes(stack, tree, config), previous, ref });
    io.stdout(parsed.values.json === true ? JSON.stringify(plan, null, 2) : formatDeployPlan(plan, { color: useColor(io), previousRelease: previous.release }));
    return EXIT.ok;
  } catch (error) {
    if (!(error instanceof BerthError)) throw error;
    printDiagnostics(io, error.diagnostics, new Map());
    return error.diagnostics.some((d) => d.code === 'BERTH_E_DEPLOY_REF') ? EXIT.badInput : EXIT.failed;
  }
}
