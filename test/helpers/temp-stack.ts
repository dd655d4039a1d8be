// Writes stack files into a fresh temporary folder and loads them, for tests.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after } from 'node:test';
import { loadStack, type LoadStackOptions, type LoadStackResult } from '../../src/config/load-stack.js';
import type { Diagnostic } from '../../src/errors/diagnostic.js';

const created: string[] = [];
after(() => {
  for (const dir of created) rmSync(dir, { recursive: true, force: true });
});

/** Creates a temp folder holding `files` (path → content); returns its path. */
export function writeFiles(files: Readonly<Record<string, string>>): string {
  const dir = mkdtempSync(join(tmpdir(), 'berth-test-'));
  created.push(dir);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

/** Loads `berth.yml` text (plus other files) from a temp folder. */
export function loadText(yaml: string, options: Partial<LoadStackOptions> & { readonly files?: Readonly<Record<string, string>> } = {}): LoadStackResult & { readonly dir: string } {
  const dir = writeFiles({ 'berth.yml': yaml, ...options.files });
  const { files: _files, ...rest } = options;
  return { ...loadStack({ file: join(dir, 'berth.yml'), ...rest }), dir };
}

/** The diagnostics of a load (errors, or warnings when it succeeded). */
export function diagnosticsOf(result: LoadStackResult): readonly Diagnostic[] {
  return result.ok ? result.warnings : result.diagnostics;
}

/** The single diagnostic with `code`; throws with the full list when there is not exactly one. */
export function only(result: LoadStackResult, code: string): Diagnostic {
  const all = diagnosticsOf(result);
  const matching = all.filter((d) => d.code === code);
  if (matching.length !== 1) throw new Error(`expected one ${code}, got ${String(matching.length)}: ${JSON.stringify(all, null, 2)}`);
  return matching[0]!;
}

/** `line:column` of a diagnostic, for compact assertions. */
export function position(diagnostic: Diagnostic): string {
  return diagnostic.location === undefined ? 'none' : `${String(diagnostic.location.line)}:${String(diagnostic.location.column)}`;
}
