// Parses `.env` files: NAME=value lines, `export` prefixes, comments, single/double quotes, multi-line double quotes.
// Why not dotenv: it skips malformed lines silently, and Berth must point at the bad line instead.
import { createDiagnostic, type Diagnostic } from '../errors/diagnostic.js';

export interface EnvFileResult {
  readonly values: ReadonlyMap<string, string>;
  readonly diagnostics: readonly Diagnostic[];
}

const LINE_PATTERN = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s?(.*)$/;
const ESCAPES: Readonly<Record<string, string>> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\', $: '$' };

/** Parses env-file text; never throws. */
export function parseEnvFile(text: string, file: string): EnvFileResult {
  const values = new Map<string, string>();
  const diagnostics: Diagnostic[] = [];
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index] ?? '';
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const match = LINE_PATTERN.exec(line);
    const location = { file, line: index + 1, column: 1 };
    if (match === null) {
      diagnostics.push(createDiagnostic('BERTH_E_ENV_FILE_SYNTAX', { params: { reason: 'no `=` after a variable name' }, location, expected: 'NAME=value', found: JSON.stringify(line.slice(0, 40)) }));
      continue;
    }
    const name = match[1] ?? '';
    let raw = (match[2] ?? '').trim();
    // An unclosed quote is reported where it opens.
    const quoteAt = { ...location, column: line.length - (match[2] ?? '').trimStart().length + 1 };
    if (raw.startsWith('"')) {
      // A double-quoted value may span lines (PEM keys); read on until the closing quote.
      let body = raw.slice(1);
      while (!hasClosingQuote(body) && index + 1 < lines.length) {
        index += 1;
        body += `\n${lines[index] ?? ''}`;
      }
      const end = closingQuote(body);
      if (end < 0) {
        diagnostics.push(createDiagnostic('BERTH_E_ENV_FILE_SYNTAX', { params: { reason: `the double quote opened for ${name} is never closed` }, location: quoteAt, expected: 'a closing `"`', found: 'the end of the file' }));
        break;
      }
      values.set(name, body.slice(0, end).replace(/\\(.)/g, (whole, ch: string) => ESCAPES[ch] ?? whole));
      continue;
    }
    if (raw.startsWith("'")) {
      const end = raw.indexOf("'", 1);
      if (end < 0) {
        diagnostics.push(createDiagnostic('BERTH_E_ENV_FILE_SYNTAX', { params: { reason: `the single quote opened for ${name} is never closed` }, location: quoteAt, expected: "a closing `'` on the same line", found: 'the end of the line' }));
        continue;
      }
      values.set(name, raw.slice(1, end));
      continue;
    }
    const comment = raw.search(/\s#/);
    if (comment >= 0) raw = raw.slice(0, comment);
    values.set(name, raw.trim());
  }
  return { values, diagnostics };
}

const MASK = '***';

// Why: a code frame prints the lines around a problem, and in an env file those lines hold other secrets.
/** The env-file text for code frames: values hidden, except on the lines a problem points at. */
export function maskEnvFile(text: string, problems: readonly Diagnostic[]): string {
  const keep = new Set(problems.map((d) => d.location?.line));
  return text
    .split(/\r?\n/)
    .map((line, index) => {
      if (keep.has(index + 1) || line.trim() === '' || line.trimStart().startsWith('#')) return line;
      const head = /^\s*(?:export\s+)?[A-Za-z_][A-Za-z0-9_.-]*\s*=/.exec(line)?.[0];
      return head === undefined ? MASK : head === line ? line : `${head}${MASK}`;
    })
    .join('\n');
}

function closingQuote(body: string): number {
  for (let i = 0; i < body.length; i += 1) {
    if (body[i] === '\\') i += 1;
    else if (body[i] === '"') return i;
  }
  return -1;
}

function hasClosingQuote(body: string): boolean {
  return closingQuote(body) >= 0;
}
