// Validates interpolated stack data against the schema and turns every issue into a located diagnostic.
import type { z } from 'zod';
import { createDiagnostic, type Diagnostic } from '../errors/diagnostic.js';
import { describeValue } from '../shared/describe-value.js';
import { describeChoices, findClosest } from '../shared/suggest.js';
import { describeSchema, describeTypeName } from './describe-schema.js';
import { knownKeysAt, schemasAt } from './json-schema.js';
import type { BerthIssueParams } from './schema/primitives.js';
import { stackSchema, type StackOutput } from './schema/stack.js';
import { formatPath, locate, type PathSegment, type SourceMap } from './source-map.js';

export type ValidationResult = { readonly ok: true; readonly value: StackOutput } | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

/** Validates data against the stack schema; never throws. */
export function validateStack(data: unknown, sourceMap: SourceMap): ValidationResult {
  const result = stackSchema.safeParse(data);
  const reserved = findProtoKeys(data, [], 0).map((path) => reservedKey(path, sourceMap));
  if (result.success && reserved.length === 0) return { ok: true, value: result.data };
  const issues = result.success ? [] : result.error.issues;
  const diagnostics = issues.flatMap((issue) => mapIssue(issue, [], data, sourceMap)).filter((d) => !d.path?.endsWith('.__proto__'));
  return { ok: false, diagnostics: dedupe([...reserved, ...diagnostics]) };
}

// Why a walk of our own: zod skips `__proto__` keys in maps (a guard against prototype pollution) without a word,
// so a variable, service or setting named so would silently vanish.
function findProtoKeys(value: unknown, path: PathSegment[], depth: number, found: PathSegment[][] = []): PathSegment[][] {
  if (value === null || typeof value !== 'object' || depth > 64) return found;
  if (Object.hasOwn(value, '__proto__')) found.push([...path, '__proto__']);
  const keys = Array.isArray(value) ? value.keys() : Object.keys(value);
  for (const key of keys) {
    if (key === '__proto__') continue;
    path.push(key);
    findProtoKeys((value as Record<string | number, unknown>)[key], path, depth + 1, found);
    path.pop();
  }
  return found;
}

function reservedKey(path: readonly PathSegment[], map: SourceMap): Diagnostic {
  const kind = kindOfName(path);
  return createDiagnostic('BERTH_E_SCHEMA_NAME', { path: formatPath(path), location: locate(map, path, 'key'), params: { kind, name: '`__proto__`', advice: '`__proto__` is reserved (it cannot be passed on); choose another name' }, expected: `a ${kind} name other than \`__proto__\``, found: '`__proto__`' });
}

type Issue = z.core.$ZodIssue;

function valueAt(data: unknown, path: readonly PathSegment[]): unknown {
  let current = data;
  for (const segment of path) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

function kindOfName(path: readonly PathSegment[]): string {
  const parent = path[path.length - 2] ?? path[path.length - 1];
  if (parent === 'services' || parent === 'depends_on') return 'service';
  if (parent === 'jobs') return 'job';
  if (parent === 'environments') return 'environment';
  if (parent === 'env') return 'variable';
  return 'key';
}

function expectedAt(path: readonly PathSegment[]): string {
  const nodes = schemasAt(path);
  return nodes.length === 0 ? 'a valid value' : [...new Set(nodes.map(describeSchema))].join(' or ');
}

function mapIssue(issue: Issue, prefix: readonly PathSegment[], data: unknown, map: SourceMap): Diagnostic[] {
  const path = [...prefix, ...(issue.path as PathSegment[])];
  const field = `\`${formatPath(path)}\``;
  const value = valueAt(data, path);
  const base = { path: formatPath(path), location: locate(map, path), service: path[0] === 'services' && typeof path[1] === 'string' ? path[1] : undefined };
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => {
        const keyPath = [...path, key];
        const known = knownKeysAt(path);
        return createDiagnostic('BERTH_E_SCHEMA_UNKNOWN_KEY', { ...base, path: formatPath(keyPath), location: locate(map, keyPath, 'key'), params: { key: `\`${key}\``, suggestion: `${describeChoices(key, known, 'key')} (keys starting with \`x-\` are yours to use)` }, expected: `a known key of \`${formatPath(path) || 'the stack file'}\``, found: `\`${key}\`` });
      });
    case 'invalid_type': {
      if (value === undefined) return [missingKey(path, field, base, map)];
      const expected = schemasAt(path).length > 0 ? expectedAt(path) : describeTypeName(issue.expected);
      return [createDiagnostic('BERTH_E_SCHEMA_TYPE', { ...base, params: { field, expected }, expected, found: describeValue(value) })];
    }
    case 'invalid_union': {
      // A missing key whose type is a union (`command`, `telegram.chat`) is reported as a union issue.
      if (value === undefined) return [missingKey(path, field, base, map)];
      const deeper = issue.errors.filter((branch) => branch.length > 0 && branch.every((sub) => sub.path.length > 0 || sub.code === 'custom' || sub.code === 'unrecognized_keys'));
      const branch = deeper.length === 1 ? deeper[0] : undefined;
      if (branch !== undefined) return branch.flatMap((sub) => mapIssue(sub, path, data, map));
      const expected = expectedAt(path);
      return [createDiagnostic('BERTH_E_SCHEMA_TYPE', { ...base, params: { field, expected }, expected, found: describeValue(value) })];
    }
    case 'invalid_value': {
      const choices = issue.values.map(String);
      const closest = typeof value === 'string' ? findClosest(value, choices) : undefined;
      const advice = closest === undefined ? `use one of ${choices.map((c) => `\`${c}\``).join(', ')}` : `did you mean \`${closest}\`?`;
      return [createDiagnostic('BERTH_E_SCHEMA_VALUE', { ...base, params: { field, advice }, expected: `one of ${choices.join(', ')}`, found: describeValue(value) })];
    }
    case 'too_small':
    case 'too_big': {
      const bound = String(issue.code === 'too_small' ? issue.minimum : issue.maximum);
      const plural = bound === '1' ? '' : 's';
      const unit = issue.origin === 'array' ? ` item${plural}` : issue.origin === 'string' ? ` character${plural}` : '';
      const expected = `${issue.code === 'too_small' ? 'at least' : 'at most'} ${bound}${unit}`;
      return [createDiagnostic('BERTH_E_SCHEMA_VALUE', { ...base, params: { field, advice: `use a value ${expected}` }, expected, found: describeValue(value) })];
    }
    case 'invalid_format': {
      const expected = issue.format === 'regex' ? expectedFormat(path) : issue.format === 'starts_with' ? 'a path starting with `/`' : `a valid ${issue.format}`;
      return [createDiagnostic('BERTH_E_SCHEMA_VALUE', { ...base, params: { field, advice: `write ${expected}` }, expected, found: describeValue(value) })];
    }
    case 'invalid_key': {
      const name = String(path[path.length - 1] ?? '');
      const kind = kindOfName(path);
      const expected = kind === 'variable' ? 'a variable name such as `DATABASE_URL` (letters, digits and `_`, not starting with a digit)' : 'a name like `web` or `celery-worker`';
      return [createDiagnostic('BERTH_E_SCHEMA_NAME', { ...base, location: locate(map, path, 'key'), params: { kind, name: `\`${name}\``, advice: kind === 'variable' ? 'use letters, digits and `_`, not starting with a digit' : 'use lower-case letters, digits and `-` or `_`, starting with a letter (at most 63 characters)' }, expected, found: `\`${name}\`` })];
    }
    case 'custom':
      return [mapCustom(issue.params as BerthIssueParams | undefined, issue.message, field, value, base)];
    default:
      return [createDiagnostic('BERTH_E_SCHEMA_VALUE', { ...base, params: { field, advice: issue.message }, expected: expectedAt(path), found: describeValue(value) })];
  }
}

function missingKey(path: readonly PathSegment[], field: string, base: Base, map: SourceMap): Diagnostic {
  const key = String(path[path.length - 1] ?? '');
  const expected = expectedAt(path);
  return createDiagnostic('BERTH_E_SCHEMA_REQUIRED', { ...base, location: locate(map, path.slice(0, -1), 'key'), params: { field, key, expected }, expected, found: 'nothing (the key is missing)' });
}

function expectedFormat(path: readonly PathSegment[]): string {
  const last = path[path.length - 1];
  if (last === 'host') return 'a host name such as `app.example.com` or `*.example.com`';
  if (path[path.length - 2] === 'env') return 'a variable name such as `DATABASE_URL`';
  return 'a name like `web` or `celery-worker`';
}

type Base = { path: string; location: ReturnType<typeof locate>; service: string | undefined };

function mapCustom(params: BerthIssueParams | undefined, message: string, field: string, value: unknown, base: Base): Diagnostic {
  const found = describeValue(value);
  switch (params?.berth) {
    case 'duration':
      return createDiagnostic('BERTH_E_SCHEMA_DURATION', { ...base, params: { field }, expected: 'a duration such as `500ms`, `10s`, `5m`', found });
    case 'size':
      return createDiagnostic('BERTH_E_SCHEMA_SIZE', { ...base, params: { field }, expected: 'a size such as `10mb`', found });
    case 'cron':
      return createDiagnostic('BERTH_E_SCHEMA_CRON', { ...base, params: { field, reason: params.reason ?? message }, expected: 'a five-field cron expression', found });
    case 'one_of':
      return createDiagnostic('BERTH_E_SCHEMA_ONE_OF', { ...base, params: { field, options: params.options ?? '', advice: params.advice ?? message }, expected: `exactly one of ${params.options ?? ''}`, found });
    default:
      return createDiagnostic('BERTH_E_SCHEMA_VALUE', { ...base, params: { field, advice: params?.advice ?? message }, expected: params?.expected ?? 'a valid value', found });
  }
}

function dedupe(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((d) => {
    const key = `${d.code}|${d.path ?? ''}|${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
