// The stack-file loader: read → parse YAML with positions → overlay an environment → drop `x-` keys →
// env files → interpolate → validate → resolve service references → normalize → lint → deep-freeze.
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { createDiagnostic, type Diagnostic } from '../errors/diagnostic.js';
import { deepFreeze } from '../shared/deep-freeze.js';
import { describeValue } from '../shared/describe-value.js';
import { interpolate, type VariableLookup } from './interpolate.js';
import { stripExtensionKeys } from './json-schema.js';
import { lintStack, type LintOptions } from './lint/lint-stack.js';
import { loadEnvFiles } from './load-env-files.js';
import { normalizeStack } from './normalize-stack.js';
import { findEnvironmentBlock, listEnvironments, mergeOverlay, overlaySourceMap } from './overlay-environment.js';
import { parseYaml } from './parse-yaml.js';
import { parseYamlFast } from './parse-yaml-fast.js';
import { resolveReferences } from './resolve-references.js';
import type { ResolvedStack } from './resolved-stack.js';
import { collectSecrets, registerSecrets } from './secrets.js';
import { locate, type SourceMap } from './source-map.js';
import { validateStack } from './validate-stack.js';

export interface LoadStackOptions extends LintOptions {
  /** Path of berth.yml. */
  readonly file: string;
  /** Environment to overlay (`--env`). */
  readonly environment?: string | undefined;
  /** The process environment used for interpolation; it overrides env-file values. Default: none. */
  readonly processEnv?: Readonly<Record<string, string | undefined>>;
  /** Internal: `'always'` skips the fast parser and builds the source map up front (tests compare the two). */
  readonly positions?: 'always' | 'on-diagnostic';
}

export interface LoadContext {
  /** Source text of every file read, for code frames. */
  readonly sources: Map<string, string>;
  /** Positions of fields; empty when the file loaded cleanly on the fast path, which builds none. */
  readonly sourceMap: SourceMap;
  /** The data after overlay and `x-` removal, before interpolation (lint reads literals from it). */
  readonly raw: unknown;
  /** Env files that were read. */
  readonly envFiles: readonly string[];
}

export type LoadStackResult =
  | { readonly ok: true; /** Deep-frozen at run time; typed as ResolvedStack so every module can take it as is. */
      readonly stack: ResolvedStack; readonly warnings: readonly Diagnostic[]; readonly context: LoadContext }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[]; readonly context: LoadContext };

const isMapping = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

type ParseYaml = typeof parseYaml;

/** Loads, validates and resolves a stack file. Never throws for bad input: problems come back as diagnostics. */
export function loadStack(options: LoadStackOptions): LoadStackResult {
  // Why two parsers: `yaml` with the source map costs most of a load. js-yaml (no positions) goes first; the moment
  // anything is to be reported, even a warning, the load starts again with `yaml`, so every diagnostic keeps its exact
  // file:line:col. The trap: both must build the same data (test/config/fast-path.test.ts, decision 0006).
  if (options.positions !== 'always') {
    const fast = loadWith(options, parseYamlFast);
    if (fast.ok && fast.warnings.length === 0) return { ...fast, context: { ...fast.context, sourceMap: new Map() } };
  }
  return loadWith(options, parseYaml);
}

function loadWith(options: LoadStackOptions, parse: ParseYaml): LoadStackResult {
  const file = resolve(options.file);
  const sources = new Map<string, string>();
  const sourceMap: SourceMap = new Map();
  const envFiles: string[] = [];
  const fail = (diagnostics: readonly Diagnostic[], raw?: unknown): LoadStackResult => ({ ok: false, diagnostics, context: { sources, sourceMap, raw, envFiles } });
  const text = readText(file);
  if (typeof text !== 'string') return fail([text]);
  sources.set(file, text);
  const parsed = parse(text, file);
  if (parsed.diagnostics.length > 0) return fail(parsed.diagnostics);
  for (const [key, entry] of parsed.sourceMap) sourceMap.set(key, entry);
  if (!isMapping(parsed.data)) return fail([notMapping(file, parsed.data, parsed.sourceMap)]);
  let data: unknown = parsed.data;
  const environment = options.environment ?? null;
  if (environment !== null) {
    const overlaid = applyEnvironment(file, data, environment, sourceMap, sources, parse);
    if (!overlaid.ok) return fail(overlaid.diagnostics);
    data = overlaid.data;
  }
  data = stripExtensionKeys(data);
  const record = isMapping(data) ? data : {};
  const stackEnv = loadEnvFiles(file, record.env_file, ['env_file'], sourceMap, true);
  for (const [f, t] of stackEnv.sources) sources.set(f, t);
  envFiles.push(...stackEnv.files);
  const diagnostics: Diagnostic[] = [...stackEnv.diagnostics];
  const ownEnvFiles = new Map<string, ReadonlyMap<string, string>>();
  for (const section of ['services', 'jobs'] as const) {
    const entries = record[section];
    if (!isMapping(entries)) continue;
    for (const [name, entry] of Object.entries(entries)) {
      if (!isMapping(entry) || entry.env_file === undefined) continue;
      const own = loadEnvFiles(file, entry.env_file, [section, name, 'env_file'], sourceMap, false);
      for (const [f, t] of own.sources) sources.set(f, t);
      envFiles.push(...own.files);
      diagnostics.push(...own.diagnostics);
      ownEnvFiles.set(`${section}.${name}`, own.values);
    }
  }
  const lookup = buildLookup(stackEnv.values, options.processEnv ?? {});
  const interpolated = interpolate(data, lookup, sourceMap);
  diagnostics.push(...interpolated.diagnostics);
  const validated = validateStack(interpolated.data, sourceMap);
  // A field whose variable is missing also fails the schema (it is empty); report only the cause.
  const unresolved = new Set(interpolated.diagnostics.map((d) => d.path));
  if (!validated.ok) diagnostics.push(...validated.diagnostics.filter((d) => d.path === undefined || !unresolved.has(d.path)));
  if (!validated.ok || diagnostics.some((d) => d.severity === 'error')) return fail(diagnostics, data);
  const output = validated.value;
  const name = output.name ?? defaultName(file);
  const references = resolveReferences(output, name, interpolated.pending, sourceMap);
  if (references.diagnostics.length > 0) return fail([...diagnostics, ...references.diagnostics], data);
  const stack = normalizeStack(output, { file, root: dirname(file), name, environment, stackEnvFile: stackEnv.values, ownEnvFiles, late: references.late });
  const context: LoadContext = { sources, sourceMap, raw: data, envFiles };
  const findings = lintStack(stack, context, options);
  const errors = findings.filter((d) => d.severity === 'error');
  if (errors.length > 0) return fail([...diagnostics, ...findings], data);
  const frozen = deepFreeze(stack) as ResolvedStack;
  registerSecrets(frozen, collectSecrets(stack, { envFiles: [stackEnv.values, ...ownEnvFiles.values()], interpolated: interpolated.secretPaths }));
  return { ok: true, stack: frozen, warnings: [...diagnostics, ...findings], context };
}

function readText(file: string): string | Diagnostic {
  if (!existsSync(file)) return createDiagnostic('BERTH_E_FILE_NOT_FOUND', { params: { file }, expected: 'a berth.yml', found: 'no file' });
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    return createDiagnostic('BERTH_E_FILE_READ', { params: { file, reason: error instanceof Error ? error.message : String(error) } });
  }
}

function notMapping(file: string, data: unknown, sourceMap: SourceMap): Diagnostic {
  const location = sourceMap.get('')?.value ?? { file, line: 1, column: 1 };
  const found = data === null || data === undefined ? 'an empty file' : describeValue(data);
  return createDiagnostic('BERTH_E_YAML_NOT_MAPPING', { location, expected: 'a mapping (`services:` ...)', found });
}

function defaultName(file: string): string {
  const folder = basename(dirname(file)).toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^[^a-z]+/, '');
  return folder === '' ? 'stack' : folder.slice(0, 63);
}

// Why the process environment wins: it matches compose, and lets CI override a value without editing files.
function buildLookup(fileValues: ReadonlyMap<string, string>, processEnv: Readonly<Record<string, string | undefined>>): VariableLookup {
  return (name) => {
    const fromProcess = Object.hasOwn(processEnv, name) ? processEnv[name] : undefined;
    if (fromProcess !== undefined) return { value: fromProcess, secret: false };
    const fromFile = fileValues.get(name);
    return fromFile === undefined ? undefined : { value: fromFile, secret: true };
  };
}

type Overlaid = { ok: true; data: unknown } | { ok: false; diagnostics: Diagnostic[] };

function applyEnvironment(file: string, data: unknown, environment: string, sourceMap: SourceMap, sources: Map<string, string>, parse: ParseYaml): Overlaid {
  const block = findEnvironmentBlock(data, environment);
  const overlayFile = join(dirname(file), basename(file).replace(/\.ya?ml$/, '') + `.${environment}.yml`);
  const hasFile = existsSync(overlayFile);
  if (block === undefined && !hasFile) {
    const known = listEnvironments(data);
    // Pointed at `environments:` when the file has one, so the frame shows the environments there are.
    const where = known.length === 0 ? {} : { location: locate(sourceMap, ['environments'], 'key'), path: 'environments' };
    return { ok: false, diagnostics: [createDiagnostic('BERTH_E_ENVIRONMENT_UNKNOWN', { ...where, params: { environment: `\`${environment}\``, overlay: basename(overlayFile), known: known.length === 0 ? 'none' : known.join(', ') }, expected: 'an environment under `environments:` or an overlay file', found: `\`${environment}\`` })] };
  }
  let merged = data;
  if (block !== undefined) {
    merged = mergeOverlay(merged, block);
    overlaySourceMap(sourceMap, new Map(sourceMap), ['environments', environment]);
  }
  if (hasFile) {
    const text = readText(overlayFile);
    if (typeof text !== 'string') return { ok: false, diagnostics: [text] };
    sources.set(overlayFile, text);
    const parsed = parse(text, overlayFile);
    if (parsed.diagnostics.length > 0) return { ok: false, diagnostics: [...parsed.diagnostics] };
    if (!isMapping(parsed.data)) return { ok: false, diagnostics: [notMapping(overlayFile, parsed.data, parsed.sourceMap)] };
    merged = mergeOverlay(merged, parsed.data);
    overlaySourceMap(sourceMap, parsed.sourceMap, []);
  }
  return { ok: true, data: merged };
}
