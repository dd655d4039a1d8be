// `berth deploy --plan [--ref REF]`: what a deploy would do, computed from content hashes against the last deploy.
// Executing a deploy is not implemented yet; without --plan the command says so and changes nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { computeServiceHashes, listConfigFiles, type TreeHashes } from '../../deploy/content-hash.js';
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

export const DEPLOY_HELP = `Usage: berth deploy --plan [--ref REF] [--file FILE] [--env NAME] [--json]

Plans a deploy: hashes the app (the working tree minus .gitignore and .berthignore, or the git
ref REF) and each service's resolved config, compares them with the last deploy
(.berth/deploy-state.json) and prints which builds run and which are reused, whether the
\`release\` step runs, what happens to each service (blue-green, overlap, replace, start, stop
or unchanged, with why), which backups run first, and the ordered steps. Nothing is changed.
berth.yml and env files are read from the working tree even with --ref.
  --plan      print the plan and stop (executing deploys is not implemented yet)
  --ref REF   plan a release of this git commit, branch or tag instead of the working tree
  --json      the plan as JSON`;

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

export function runDeploy(args: readonly string[], io: CliIo): number {
  const parsed = parseOptions('deploy', args, { ...STACK_OPTIONS, plan: { type: 'boolean' }, ref: { type: 'string' }, json: { type: 'boolean' } });
  if (!parsed.ok) return usageError(io, parsed.diagnostic);
  if (parsed.values.help === true) return (io.stdout(DEPLOY_HELP), EXIT.ok);
  if (parsed.positionals.length > 0) return usageError(io, createDiagnostic('BERTH_E_USAGE', { params: { command: 'deploy', reason: `unexpected argument ${parsed.positionals.join(' ')}` } }));
  if (parsed.values.plan !== true) {
    printDiagnostics(io, [createDiagnostic('BERTH_E_DEPLOY_NOT_READY')], new Map());
    return EXIT.failed;
  }
  const file = resolveStackFile(io, typeof parsed.values.file === 'string' ? parsed.values.file : undefined);
  const loaded = loadForCli(io, file, typeof parsed.values.env === 'string' ? parsed.values.env : undefined);
  if (!loaded.ok) {
    printDiagnostics(io, loaded.diagnostics, loaded.context.sources);
    return EXIT.badInput;
  }
  if (loaded.warnings.length > 0) printDiagnostics(io, loaded.warnings, loaded.context.sources);
  const { stack } = loaded;
  const ref = typeof parsed.values.ref === 'string' ? parsed.values.ref : null;
  try {
    const previous = readDeployState(deployStatePath(getStatePaths(stack.file).stateDir));
    const tree = readTree(stack.root, ref);
    const configFiles = listConfigFiles(stack.root, [stack.file, ...loaded.context.sources.keys(), ...loaded.context.envFiles]);
    const plan = planDeploy({ stack, hashes: computeServiceHashes(stack, tree, configFiles), previous, ref });
    io.stdout(parsed.values.json === true ? JSON.stringify(plan, null, 2) : formatDeployPlan(plan, { color: useColor(io), previousRelease: previous.release }));
    return EXIT.ok;
  } catch (error) {
    if (!(error instanceof BerthError)) throw error;
    printDiagnostics(io, error.diagnostics, new Map());
    return error.diagnostics.some((d) => d.code === 'BERTH_E_DEPLOY_REF') ? EXIT.badInput : EXIT.failed;
  }
}
