// A Diagnostic is one reported problem: a catalogued code, where it is, what was expected and found.
import { errorCatalog, type ErrorCode, type Severity } from './catalog.js';

/** A place in a file: 1-based line and column. */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

export interface Diagnostic {
  readonly code: ErrorCode;
  readonly severity: Severity;
  readonly message: string;
  readonly hint: string;
  /** Where in a file, when the problem comes from a file. */
  readonly location?: SourceLocation;
  /** The field path in the stack file, e.g. `services.web.ready.http`. */
  readonly path?: string;
  /** The service (or job) the problem belongs to, when there is one. */
  readonly service?: string;
  readonly expected?: string;
  readonly found?: string;
}

export type DiagnosticParams = Readonly<Record<string, string | number>>;

export interface DiagnosticInput {
  readonly params?: DiagnosticParams;
  readonly location?: SourceLocation | undefined;
  readonly path?: string | undefined;
  readonly service?: string | undefined;
  readonly expected?: string | undefined;
  readonly found?: string | undefined;
}

/** Fills `{name}` placeholders; an unknown placeholder is left as it is, so a gap is visible. */
export function fillTemplate(template: string, params: DiagnosticParams): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    return value === undefined ? whole : String(value);
  });
}

/** Builds a diagnostic for a catalogued code. */
export function createDiagnostic(code: ErrorCode, input: DiagnosticInput = {}): Diagnostic {
  const entry = errorCatalog[code];
  const params = input.params ?? {};
  const diagnostic: { -readonly [K in keyof Diagnostic]: Diagnostic[K] } = {
    code,
    severity: entry.severity,
    message: fillTemplate(entry.message, params),
    hint: fillTemplate(entry.hint, params),
  };
  if (input.location !== undefined) diagnostic.location = input.location;
  if (input.path !== undefined && input.path !== '') diagnostic.path = input.path;
  if (input.service !== undefined) diagnostic.service = input.service;
  if (input.expected !== undefined) diagnostic.expected = input.expected;
  if (input.found !== undefined) diagnostic.found = input.found;
  return diagnostic;
}

/** Sorts diagnostics by file, line and column, keeping unlocated ones last. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort((a, b) => {
    const la = a.location;
    const lb = b.location;
    if (la === undefined || lb === undefined) return la === lb ? 0 : la === undefined ? 1 : -1;
    return la.file.localeCompare(lb.file) || la.line - lb.line || la.column - lb.column;
  });
}

/** An Error that carries diagnostics; thrown at boundaries where a result cannot be returned. */
export class BerthError extends Error {
  readonly diagnostics: readonly Diagnostic[];

  constructor(diagnostics: readonly Diagnostic[]) {
    const first = diagnostics[0];
    super(first === undefined ? 'Berth error' : `${first.code}: ${first.message}`);
    this.name = 'BerthError';
    this.diagnostics = diagnostics;
  }
}
