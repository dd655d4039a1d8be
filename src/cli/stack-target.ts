// Commands that act on a running stack find it the same way: --file (default ./berth.yml), --env.
import { resolve } from 'node:path';
import { getStatePaths, type StatePaths } from '../daemon/state-paths.js';
import type { CliIo } from './io.js';
import { resolveStackFile } from './load-for-cli.js';

export const STACK_OPTIONS = {
  file: { type: 'string', short: 'f' },
  env: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The stack file and its state paths for a command's --file option. */
export function findStack(io: CliIo, file: string | boolean | undefined): { file: string; paths: StatePaths } {
  const stackFile = resolveStackFile(io, typeof file === 'string' ? file : undefined);
  return { file: resolve(stackFile), paths: getStatePaths(resolve(stackFile)) };
}
