// Printing diagnostics for people, kept apart from the stack loader so commands that never load a stack
// (status, down, the daemon fed its stack by the CLI) do not import it.
import { relative } from 'node:path';
import type { Diagnostic } from '../errors/diagnostic.js';
import { formatDiagnostics } from '../errors/format-diagnostic.js';
import { EXIT, type CliIo, useColor } from './io.js';

/** Prints diagnostics for people, with code frames. */
export function printDiagnostics(io: CliIo, diagnostics: readonly Diagnostic[], sources: ReadonlyMap<string, string>): void {
  io.stderr(formatDiagnostics(diagnostics, { sources, color: useColor(io), displayPath: (f) => relative(io.cwd, f) || f }));
}

/** Prints a usage error and returns exit code 2. */
export function usageError(io: CliIo, diagnostic: Diagnostic): number {
  printDiagnostics(io, [diagnostic], new Map());
  return EXIT.badInput;
}
