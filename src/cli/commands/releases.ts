// `berth rollback [RELEASE]` and `berth releases [--json]`: back to a kept release with the deploy's zero-downtime
// steps (no build, no release step), and the kept releases with the deploy history.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getStatePaths } from '../../daemon/state-paths.js';
import { listDeploys, type DeployRecord } from '../../deploy/deploy-history.js';
import { deployStatePath, readDeployState } from '../../deploy/deploy-state.js';
import { listReleaseIds } from '../../deploy/prune-releases.js';
import { MANIFEST_FILE, releasesDirOf, type ReleaseManifest } from '../../deploy/snapshot-release.js';
import { BerthError, createDiagnostic } from '../../errors/diagnostic.js';
import { openStateDb, stateDbPath } from '../../state/open-state-db.js';
import { EXIT, type CliIo } from '../io.js';
import { loadForCli, printDiagnostics } from '../load-for-cli.js';
import { parseOptions } from '../parse-options.js';
import { usageError } from '../print-diagnostics.js';
import { resolveStackFile, STACK_OPTIONS } from '../stack-target.js';

export const ROLLBACK_HELP = `Usage: berth rollback [RELEASE] [--file FILE] [--env NAME] [--json]

Goes back to a kept release (default: the one before the running one) with the same zero-downtime
steps as a deploy: services switch by their strategy, the verification window runs, and a failure
leaves the current version serving. Nothing is rebuilt and the \`release\` step (migrations) is
not run again; Berth warns when the target release predates migrations that have run since.
Config (berth.yml, env files) is the working tree's. \`berth releases\` lists the kept releases.
Exit status: 0 rolled back, 1 failed, 2 bad input (no such release).`;

export const RELEASES_HELP = `Usage: berth releases [--file FILE] [--json]

The kept releases (newest first; the running one and the one before are marked) and the last
deploys and rollbacks with their outcome. Reads .berth/ directly: works while the stack is down.
  --json      as JSON`;

export async function runRollback(args: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseOptions('rollback', args, { ...STACK_OPTIONS, json: { type: 'boolean' } });
  if (!parsed.ok) return usageError(io, parsed.diagnostic);
  if (parsed.values.help === true) return (io.stdout(ROLLBACK_HELP), EXIT.ok);
  if (parsed.positionals.length > 1) return usageError(io, createDiagnostic('BERTH_E_USAGE', { params: { command: 'rollback', reason: `one release at most, got ${parsed.positionals.join(' ')}` } }));
  const file = resolveStackFile(io, typeof parsed.values.file === 'string' ? parsed.values.file : undefined);
  const loaded = loadForCli(io, file, typeof parsed.values.env === 'string' ? parsed.values.env : undefined);
  if (!loaded.ok) {
    printDiagnostics(io, loaded.diagnostics, loaded.context.sources);
    return EXIT.badInput;
  }
  const { stack } = loaded;
  const configFiles = [stack.file, ...loaded.context.sources.keys(), ...loaded.context.envFiles];
  const { runDeploySession } = await import('../deploy-session.js');
  return runDeploySession(io, { kind: 'rollback', stack, configFiles, ref: null, target: parsed.positionals[0] ?? null, json: parsed.values.json === true });
}

interface ReleaseView {
  readonly id: string;
  readonly ref: string;
  readonly commit: string | null;
  readonly created: string;
  readonly running: boolean;
  readonly previous: boolean;
}

function readManifest(dir: string): ReleaseManifest | null {
  try {
    return JSON.parse(readFileSync(join(dir, MANIFEST_FILE), 'utf8')) as ReleaseManifest;
  } catch {
    return null;
  }
}

export function runReleases(args: readonly string[], io: CliIo): number {
  const parsed = parseOptions('releases', args, { file: STACK_OPTIONS.file, json: { type: 'boolean' } });
  if (!parsed.ok) return usageError(io, parsed.diagnostic);
  if (parsed.values.help === true) return (io.stdout(RELEASES_HELP), EXIT.ok);
  const file = resolveStackFile(io, typeof parsed.values.file === 'string' ? parsed.values.file : undefined);
  const { stateDir } = getStatePaths(file);
  let state;
  try {
    state = readDeployState(deployStatePath(stateDir));
  } catch (error) {
    if (!(error instanceof BerthError)) throw error;
    printDiagnostics(io, error.diagnostics, new Map());
    return EXIT.failed;
  }
  const releasesDir = releasesDirOf(stateDir);
  const releases: ReleaseView[] = listReleaseIds(releasesDir).reverse().map((id) => {
    const manifest = readManifest(join(releasesDir, id));
    return { id, ref: manifest?.ref ?? '?', commit: manifest?.commit ?? null, created: manifest?.created ?? '?', running: id === state.release, previous: id === state.previousRelease };
  });
  let history: DeployRecord[] = [];
  if (existsSync(stateDbPath(stateDir))) {
    const db = openStateDb(stateDbPath(stateDir), { create: false });
    try {
      history = listDeploys(db, 20);
    } finally {
      db.close();
    }
  }
  if (parsed.values.json === true) {
    io.stdout(JSON.stringify({ running: state.release, previous: state.previousRelease, releases, history }, null, 2));
    return EXIT.ok;
  }
  if (releases.length === 0) io.stdout('No releases yet: `berth deploy` makes the first.');
  for (const r of releases) io.stdout(`${r.running ? '* ' : r.previous ? '- ' : '  '}${r.id}  ${r.ref}${r.commit === null ? '' : ` (${r.commit.slice(0, 12)})`}${r.running ? '  running' : r.previous ? '  previous' : ''}`);
  if (history.length > 0) {
    io.stdout('\nDeploys (newest first):');
    for (const d of history) io.stdout(`  ${new Date(d.startedAt).toISOString()}  ${d.kind.padEnd(8)} ${(d.release ?? '-').padEnd(27)} ${d.state}${d.reason === null ? '' : `: ${d.reason}`}`);
  }
  return EXIT.ok;
}
