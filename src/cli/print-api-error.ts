// How the CLI shows an error answer of the daemon's API (code, message, hint from the catalog) and a missing daemon.
import { EXIT, type CliIo } from './io.js';

/** Prints `berth CMD: CODE: message` and the hint; returns the exit code for bad input. */
export function printApiError(io: CliIo, command: string, body: unknown): number {
  const error = (body as { error?: { code?: string; message?: string; hint?: string } } | null)?.error;
  io.stderr(`berth ${command}: ${error?.code ?? 'error'}: ${error?.message ?? 'failed'}${error?.hint === undefined ? '' : `\n  hint: ${error.hint}`}`);
  return EXIT.badInput;
}

/** Says no daemon answers (and how to start one); returns the exit code for a failed operation. */
export function printNoDaemon(io: CliIo, reason: string): number {
  io.stderr(`berth: no daemon answers for this stack (${reason}); start it with \`berth up -d\``);
  return EXIT.failed;
}
