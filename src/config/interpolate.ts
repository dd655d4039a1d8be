// Substitutes `${VAR}` forms in every string of the stack data. Service references (`${services.NAME.url}`)
// are kept aside as pending parts: they are resolved after validation, when ports are known.
import { createDiagnostic, type Diagnostic, type SourceLocation } from '../errors/diagnostic.js';
import { hasTemplate, parseTemplate, type TemplatePart } from './parse-template.js';
import { formatPath, pathKey, type PathSegment, type SourceMap } from './source-map.js';
import { locate } from './source-map.js';

export interface VariableValue {
  readonly value: string;
  /** True when the value came from an env file (so it is treated as a secret). */
  readonly secret: boolean;
}

export type VariableLookup = (name: string) => VariableValue | undefined;

export type PendingPart = { readonly kind: 'text'; readonly text: string } | { readonly kind: 'ref'; readonly service: string; readonly attr: string; readonly source: string };

export interface InterpolationResult {
  readonly data: unknown;
  readonly diagnostics: readonly Diagnostic[];
  /** Strings that contain service references, by path key. */
  readonly pending: ReadonlyMap<string, { readonly path: readonly PathSegment[]; readonly parts: readonly PendingPart[] }>;
  /** Path keys of values that include a secret variable's value. */
  readonly secretPaths: ReadonlySet<string>;
}

/** Variables Berth sets when a process starts; `${PORT}` in a command is left for the shell. */
export function isRuntimeVariable(name: string): boolean {
  return name === 'PORT' || name.startsWith('BERTH_');
}

interface Context {
  readonly lookup: VariableLookup;
  readonly sourceMap: SourceMap;
  readonly diagnostics: Diagnostic[];
  readonly pending: Map<string, { path: readonly PathSegment[]; parts: PendingPart[] }>;
  readonly secretPaths: Set<string>;
}

/** Interpolates every string in `data`; never throws. */
export function interpolate(data: unknown, lookup: VariableLookup, sourceMap: SourceMap): InterpolationResult {
  const context: Context = { lookup, sourceMap, diagnostics: [], pending: new Map(), secretPaths: new Set() };
  const result = visit(data, [], context);
  return { data: result, diagnostics: context.diagnostics, pending: context.pending, secretPaths: context.secretPaths };
}

function visit(value: unknown, path: PathSegment[], context: Context): unknown {
  if (typeof value === 'string') return hasTemplate(value) ? interpolateString(value, path, context) : value;
  if (Array.isArray(value)) return value.map((item, index) => visit(item, [...path, index], context));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      Object.defineProperty(out, key, { value: visit(child, [...path, key], context), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}

function locationAt(path: readonly PathSegment[], offset: number, context: Context): SourceLocation | undefined {
  const entry = context.sourceMap.get(pathKey(path));
  const base = locate(context.sourceMap, path);
  if (entry === undefined || base === undefined || !entry.singleLine) return base;
  return { ...base, column: base.column + offset + (entry.style === 'quoted' ? 1 : 0) };
}

function interpolateString(input: string, path: PathSegment[], context: Context): unknown {
  const parsed = parseTemplate(input);
  const field = formatPath(path);
  if (!parsed.ok) {
    context.diagnostics.push(createDiagnostic('BERTH_E_VAR_SYNTAX', { params: { text: parsed.text }, location: locationAt(path, parsed.offset, context), path: field, expected: '`${NAME}`, `${NAME:-default}`, `${NAME:?message}` or `$$`', found: JSON.stringify(parsed.text) }));
    return input;
  }
  const out: PendingPart[] = [];
  const secret = { value: false };
  expand(parsed.parts, path, context, out, secret);
  if (secret.value) context.secretPaths.add(pathKey(path));
  const hasRef = out.some((part) => part.kind === 'ref');
  const text = out.map((part) => (part.kind === 'text' ? part.text : part.source)).join('');
  if (hasRef) {
    context.pending.set(pathKey(path), { path, parts: mergeText(out) });
    return text;
  }
  return coerce(text, context.sourceMap.get(pathKey(path))?.style === 'plain');
}

function expand(parts: readonly TemplatePart[], path: PathSegment[], context: Context, out: PendingPart[], secret: { value: boolean }): void {
  for (const part of parts) {
    if (part.kind === 'text') out.push(part);
    else if (part.kind === 'ref') out.push({ kind: 'ref', service: part.service, attr: part.attr, source: part.source });
    else expandVariable(part, path, context, out, secret);
  }
}

function expandVariable(part: Extract<TemplatePart, { kind: 'var' }>, path: PathSegment[], context: Context, out: PendingPart[], secret: { value: boolean }): void {
  const found = context.lookup(part.name);
  const empty = found === undefined || found.value === '';
  const useFallback = part.op === ':-' ? empty : part.op === '-' ? found === undefined : false;
  if (useFallback) {
    expand(part.arg, path, context, out, secret);
    return;
  }
  const missing = part.op === ':?' ? empty : found === undefined;
  if (missing) {
    if (part.op === '' && isRuntimeVariable(part.name)) {
      out.push({ kind: 'text', text: part.source });
      return;
    }
    const location = locationAt(path, part.offset, context);
    const field = formatPath(path);
    if (part.op === ':?' || part.op === '?') {
      context.diagnostics.push(createDiagnostic('BERTH_E_VAR_REQUIRED', { params: { variable: part.name, reason: part.argText === '' ? 'it is not set' : part.argText }, location, path: field, expected: `${part.name} set`, found: found === undefined ? 'not set' : 'set but empty' }));
    } else {
      context.diagnostics.push(createDiagnostic('BERTH_E_VAR_UNSET', { params: { variable: part.name }, location, path: field, expected: `${part.name} set, or a default`, found: 'not set in the env file or the environment' }));
    }
    out.push({ kind: 'text', text: '' });
    return;
  }
  if (found === undefined) return;
  if (found.secret) secret.value = true;
  out.push({ kind: 'text', text: found.value });
}

function mergeText(parts: readonly PendingPart[]): PendingPart[] {
  const merged: PendingPart[] = [];
  for (const part of parts) {
    const last = merged[merged.length - 1];
    if (part.kind === 'text' && last?.kind === 'text') merged[merged.length - 1] = { kind: 'text', text: last.text + part.text };
    else merged.push(part);
  }
  return merged;
}

// Why: `port: ${PORT}` written unquoted should behave as if the number had been typed there.
function coerce(text: string, plain: boolean): unknown {
  if (!plain) return text;
  if (/^-?\d{1,15}$/.test(text)) return Number(text);
  if (/^-?\d+\.\d+$/.test(text)) return Number(text);
  if (text === 'true' || text === 'false') return text === 'true';
  return text;
}
