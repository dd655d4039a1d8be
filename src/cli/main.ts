// The `berth` command line with every command loaded: the table the docs are generated from, and `main` for
// tests and benchmarks. The `berth` binary runs run-main.ts, which imports only the command it runs (dispatch.ts).
import { COMMAND_TABLE, MAIN_HELP, runCli, type Command } from './dispatch.js';
import { createProcessIo, type CliIo } from './io.js';

export { MAIN_HELP };

export const COMMANDS: Readonly<Record<string, { run: Command; help: string; summary: string }>> = Object.fromEntries(
  await Promise.all(Object.entries(COMMAND_TABLE).map(async ([name, entry]) => [name, { ...(await entry.load()), summary: entry.summary }] as const)),
);

/** Runs the CLI and returns the exit code. */
export async function main(argv: readonly string[], io: CliIo = createProcessIo()): Promise<number> {
  return runCli(argv, io);
}
