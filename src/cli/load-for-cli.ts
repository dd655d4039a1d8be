// Finds the stack file a command means and loads it, with the git check that only the CLI can run.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { loadStack, type LoadStackResult } from '../config/load-stack.js';
import type { Diagnostic } from '../errors/diagnostic.js';
import { formatDiagnostics } from '../errors/format-diagnostic.js';
import { type CliIo, useColor } from './io.js';

/** The stack file: the argument (a file or a folder holding berth.yml), else ./berth.yml. */
export function resolveStackFile(io: CliIo, argument: string | undefined): string {
  const target = resolve(io.cwd, argument ?? '.');
  return existsSync(resolve(target, 'berth.yml')) ? resolve(target, 'berth.yml') : argument === undefined ? resolve(io.cwd, 'berth.yml') : target;
}

/** True when git tracks the file (false outside a repository or without git). */
export function isTrackedByGit(file: string): boolean {
  const result = spawnSync('git', ['ls-files', '--error-unmatch', '--', file], { cwd: dirname(file), stdio: 'ignore' });
  return result.status === 0;
}

/** Loads the stack for a command. */
export function loadForCli(io: CliIo, file: string, environment: string | undefined): LoadStackResult {
  return loadStack({ file, environment, processEnv: io.env, isTrackedByGit });
}

/** Prints diagnostics for people, with code frames. */
export function printDiagnostics(io: CliIo, diagnostics: readonly Diagnostic[], sources: ReadonlyMap<string, string>): void {
  io.stderr(formatDiagnostics(diagnostics, { sources, color: useColor(io), displayPath: (f) => relative(io.cwd, f) || f }));
}
