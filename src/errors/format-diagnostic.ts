// Renders diagnostics for people: code, place, message, expected/found, a code frame and a hint.
import type { Diagnostic } from './diagnostic.js';

export interface FormatOptions {
  /** Source text by file path, for code frames. */
  readonly sources?: ReadonlyMap<string, string>;
  readonly color?: boolean;
  /** Shown instead of absolute file paths (usually relative to the cwd). */
  readonly displayPath?: (file: string) => string;
}

const paint = (on: boolean, code: string, text: string): string => (on ? `\u001b[${code}m${text}\u001b[0m` : text);

/** Formats one diagnostic as a block of lines. */
export function formatDiagnostic(diagnostic: Diagnostic, options: FormatOptions = {}): string {
  const color = options.color ?? false;
  const label = diagnostic.severity === 'error' ? paint(color, '31;1', 'error') : paint(color, '33;1', 'warning');
  const place = formatPlace(diagnostic, options);
  const lines = [`${place === '' ? '' : `${place}: `}${label} ${paint(color, '2', diagnostic.code)}: ${diagnostic.message}`];
  if (diagnostic.path !== undefined) lines.push(`  field:    ${diagnostic.path}`);
  if (diagnostic.expected !== undefined) lines.push(`  expected: ${diagnostic.expected}`);
  if (diagnostic.found !== undefined) lines.push(`  found:    ${diagnostic.found}`);
  const frame = formatFrame(diagnostic, options);
  if (frame !== '') lines.push(frame);
  lines.push(`  ${paint(color, '36', 'hint')}: ${diagnostic.hint}`);
  return lines.join('\n');
}

function formatPlace(diagnostic: Diagnostic, options: FormatOptions): string {
  const location = diagnostic.location;
  if (location === undefined) return diagnostic.service === undefined ? '' : `service ${diagnostic.service}`;
  const file = options.displayPath === undefined ? location.file : options.displayPath(location.file);
  return `${file}:${location.line}:${location.column}`;
}

function formatFrame(diagnostic: Diagnostic, options: FormatOptions): string {
  const location = diagnostic.location;
  const source = location === undefined ? undefined : options.sources?.get(location.file);
  if (location === undefined || source === undefined) return '';
  const all = source.split(/\r?\n/);
  // The empty "line" after a final newline is not shown unless the problem is on it (the end of the file).
  if (all.length > 1 && all[all.length - 1] === '' && location.line < all.length) all.pop();
  const first = Math.max(1, location.line - 1);
  const width = String(location.line + 1).length;
  const out: string[] = [];
  for (let n = first; n <= Math.min(all.length, location.line + 1); n += 1) {
    const text = (all[n - 1] ?? '').slice(0, 200);
    const marker = n === location.line ? '>' : ' ';
    out.push(`  ${marker} ${String(n).padStart(width)} | ${text}`);
    // Tabs before the column are copied, so the caret lines up however wide the terminal draws them.
    if (n === location.line) out.push(`    ${' '.repeat(width)} | ${text.slice(0, Math.max(0, location.column - 1)).replace(/[^\t]/g, ' ')}^`);
  }
  return out.join('\n');
}

/** Formats a list of diagnostics and a one-line summary. */
export function formatDiagnostics(diagnostics: readonly Diagnostic[], options: FormatOptions = {}): string {
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  const blocks = diagnostics.map((d) => formatDiagnostic(d, options));
  blocks.push(`${String(errors)} error${errors === 1 ? '' : 's'}, ${String(warnings)} warning${warnings === 1 ? '' : 's'}`);
  return blocks.join('\n\n');
}
