// Commands that act on a running stack find it the same way: --file (default ./berth.yml), --env.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { getStatePaths, type StatePaths } from '../daemon/state-paths.js';
import type { CliIo } from './io.js';

export const STACK_OPTIONS = {
  file: { type: 'string', short: 'f' },
  env: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The stack file: the argument (a file or a folder holding berth.yml), else ./berth.yml. */
export function resolveStackFile(io: CliIo, argument: string | undefined): string {
  const target = resolve(io.cwd, argument ?? '.');
  return existsSync(resolve(target, 'berth.yml')) ? resolve(target, 'berth.yml') : argument === undefined ? resolve(io.cwd, 'berth.yml') : target;
}

/** The stack file and its state paths for a command's --file option. */
export function findStack(io: CliIo, file: string | boolean | undefined): { file: string; paths: StatePaths } {
  const stackFile = resolveStackFile(io, typeof file === 'string' ? file : undefined);
  return { file: resolve(stackFile), paths: getStatePaths(resolve(stackFile)) };
}
