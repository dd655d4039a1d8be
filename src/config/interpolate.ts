// Substitutes `${VAR}` forms in every string of the stack data. Service references (`${services.NAME.url}`)
// are kept aside as pending parts: they are resolved after validation, when ports are known.
import { createDiagnostic, type Diagnostic, type SourceLocation } from '../errors/diagnostic.js';
import { hasTemplate, parseTemplate, type TemplatePart } from './parse-template.js';
import { formatPath, pathKey, type PathSegment, type SourceMap } from './source-map.js';
import { locate } from './source-map.js';
import { setOwnKey } from '../shared/set-own-key.js';

export interface VariableValue {
  readonly value: string;
  /** True when the value came from an env file (so it is treated as a secret). */
  readonly secret: boolean;
}

export type VariableLookup = (name: string) => VariableValue | undefined;

export type PendingPart = { readonly kind: 'text'; readonly text: string } | { readonly kind: 'ref'; readonly service: string; readonly attr: string; readonly source: string };

/** A string holding service references, resolved after validation; `refAt` holds where each reference is written. */
export interface PendingValue {
  readonly path: readonly PathSegment[];
  readonly parts: readonly PendingPart[];
  readonly refAt: readonly (SourceLocation | undefined)[];
}

export interface InterpolationResult {
  readonly data: unknown;
  readonly diagnostics: readonly Diagnostic[];
  /** Strings that contain service references, by path key. */
  readonly pending: ReadonlyMap<string, PendingValue>;
  /** Formatted paths (`services.web.env.KEY`) of values that include a secret variable's value. */
  readonly secretPaths: ReadonlySet<string>;
}

/** Variables Berth sets when a process starts; `${PORT}` (with or without a default) is left for run time. */
export function isRuntimeVariable(name: string): boolean {
  return name === 'PORT' || name.startsWith('BERTH_');
}

interface Context {
  readonly lookup: VariableLookup;
  readonly sourceMap: SourceMap;
  readonly diagnostics: Diagnostic[];
  readonly pending: Map<string, PendingValue>;
  readonly secretPaths: Set<string>;
}

/** Interpolates every string in `data`; never throws. */
export function interpolate(data: unknown, lookup: VariableLookup, sourceMap: SourceMap): InterpolationResult {
  const context: Context = { lookup, sourceMap, diagnostics: [], pending: new Map(), secretPaths: new Set() };
  const result = visit(data, [], context);
  return { data: result, diagnostics: context.diagnostics, pending: context.pending, secretPaths: context.secretPaths };
}

// Why one mutable `path` (pushed and popped) instead of a new array per value: the walk touches every value of the
// stack file, and only the few strings with a `$` need their own copy of where they are.
function visit(value: unknown, path: PathSegment[], context: Context): unknown {
  if (typeof value === 'string') return hasTemplate(value) ? interpolateString(value, path.slice(), context) : value;
  if (Array.isArray(value)) {
    const items: unknown[] = [];
    for (let index = 0; index < value.length; index += 1) {
      path.push(index);
      items.push(visit(value[index], path, context));
      path.pop();
    }
    return items;
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      path.push(key);
      setOwnKey(out, key, visit(child, path, context));
      path.pop();
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
  if (!parsed.ok) {
    context.diagnostics.push(createDiagnostic('BERTH_E_VAR_SYNTAX', { params: { text: parsed.text }, location: locationAt(path, parsed.offset, context), path: formatPath(path), expected: '`${NAME}`, `${NAME:-default}`, `${NAME:?message}` or `$$`', found: JSON.stringify(parsed.text) }));
    return input;
  }
  const out: PendingPart[] = [];
  const state: ExpandState = { secret: false, refAt: [] };
  expand(parsed.parts, path, context, out, state);
  if (state.secret) context.secretPaths.add(formatPath(path));
  const hasRef = out.some((part) => part.kind === 'ref');
  const text = out.map((part) => (part.kind === 'text' ? part.text : part.source)).join('');
  if (hasRef) {
    context.pending.set(pathKey(path), { path, parts: mergeText(out), refAt: state.refAt });
    return text;
  }
  return coerce(text, context.sourceMap.get(pathKey(path))?.style === 'plain');
}

/** What expanding one string found: whether a secret went in, and where its service references are written. */
interface ExpandState {
  secret: boolean;
  readonly refAt: (SourceLocation | undefined)[];
}

function expand(parts: readonly TemplatePart[], path: PathSegment[], context: Context, out: PendingPart[], state: ExpandState): void {
  for (const part of parts) {
    if (part.kind === 'text') {
      out.push(part);
    } else if (part.kind === 'ref') {
      out.push({ kind: 'ref', service: part.service, attr: part.attr, source: part.source });
      state.refAt.push(locationAt(path, part.offset, context));
    } else {
      expandVariable(part, path, context, out, state);
    }
  }
}

function expandVariable(part: Extract<TemplatePart, { kind: 'var' }>, path: PathSegment[], context: Context, out: PendingPart[], state: ExpandState): void {
  // Why before the lookup: a `PORT` exported in the shell that runs berth must not replace the port Berth assigns.
  if (isRuntimeVariable(part.name)) {
    out.push({ kind: 'text', text: part.source });
    return;
  }
  const found = context.lookup(part.name);
  const empty = found === undefined || found.value === '';
  const useFallback = part.op === ':-' ? empty : part.op === '-' ? found === undefined : false;
  if (useFallback) {
    expand(part.arg, path, context, out, state);
    return;
  }
  const missing = part.op === ':?' ? empty : found === undefined;
  if (missing) {
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
  if (found.secret) state.secret = true;
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

// Why: `port: ${PORT}` written unquoted should behave as if the number had been typed there. Only exact
// numbers are turned into numbers: `0042` or `1.10` would lose characters, so they stay strings.
function coerce(text: string, plain: boolean): unknown {
  if (!plain) return text;
  if (/^-?\d{1,15}(\.\d+)?$/.test(text) && String(Number(text)) === text) return Number(text);
  if (text === 'true' || text === 'false') return text === 'true';
  return text;
}
