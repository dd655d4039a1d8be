// Finds the stack file a command means and loads it, with the git check that only the CLI can run.
import { spawnSync } from 'node:child_process';
import { dirname } from 'node:path';
import { loadStack, type LoadStackResult } from '../config/load-stack.js';
import { findPostgresDrift } from '../recipes/find-postgres-drift.js';
import type { CliIo } from './io.js';

// Re-exported for the commands that import them from here; they live in light modules so the daemon's path does
// not import the stack loader.
export { printDiagnostics } from './print-diagnostics.js';
export { resolveStackFile } from './stack-target.js';

/** True when git tracks the file (false outside a repository or without git). */
export function isTrackedByGit(file: string): boolean {
  const result = spawnSync('git', ['ls-files', '--error-unmatch', '--', file], { cwd: dirname(file), stdio: 'ignore' });
  return result.status === 0;
}

/** Loads the stack for a command. */
export function loadForCli(io: CliIo, file: string, environment: string | undefined): LoadStackResult {
  return loadStack({ file, environment, processEnv: io.env, isTrackedByGit, findPostgresDrift: (dataDir, binDir) => findPostgresDrift(dataDir, binDir, io.env.PATH) });
}
