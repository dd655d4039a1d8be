// The properties every loadStack result must have, whatever the input: used by the fuzz test.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadStack, type LoadStackResult } from '../../src/config/load-stack.js';
import { NAME_PATTERN } from '../../src/config/schema/primitives.js';
import { errorCatalog, type ErrorCode } from '../../src/errors/catalog.js';
import type { Diagnostic } from '../../src/errors/diagnostic.js';

/**
 * Codes that may legitimately come without a location:
 * - FILE_NOT_FOUND: the stack file itself is missing, so there is no file to point into;
 * - FILE_READ: only for the stack file or its overlay (`berth.ENV.yml`), which are found by path and cannot be read, so
 *   there is no line to point at (an env file that cannot be read is located at its `env_file` entry);
 * - ENVIRONMENT_UNKNOWN: the name comes from the `--env` option, not from a file.
 * Every other diagnostic must name a file, line and column.
 */
export const UNLOCATED_CODES: ReadonlySet<ErrorCode> = new Set(['BERTH_E_FILE_NOT_FOUND', 'BERTH_E_FILE_READ', 'BERTH_E_ENVIRONMENT_UNKNOWN']);

/** The files a fuzz case may write beside berth.yml; any not given in a case is removed. */
export const MANAGED_FILES = ['.env', 'other.env', 'berth.staging.yml', 'berth.prod.yml'] as const;
export type ManagedFile = (typeof MANAGED_FILES)[number];

export interface FuzzCase {
  readonly stack: string;
  readonly files?: Partial<Record<ManagedFile, string>>;
  readonly environment?: string | undefined;
  readonly processEnv?: Readonly<Record<string, string>>;
  /** A fake for git: when true, every env file counts as tracked. */
  readonly tracked?: boolean;
}

/** One temp folder reused for every case (writing files is most of a case's cost). */
export class FuzzWorkspace {
  readonly dir: string;
  readonly file: string;
  /** What each file holds now, so unchanged files are not written again. */
  private readonly written = new Map<string, string>();

  constructor() {
    // Why /dev/shm when there is one: on a disk-backed /tmp each write can cost milliseconds, which would dominate.
    this.dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'berth-fuzz-'));
    this.file = join(this.dir, 'berth.yml');
    // Paths that exist but are folders: `env_file: dir.env` and the overlay of `--env broken`.
    mkdirSync(join(this.dir, 'dir.env'));
    mkdirSync(join(this.dir, 'berth.broken.yml'));
  }

  /** Writes the case's files, runs loadStack and checks every invariant; throws an AssertionError-like Error on a violation. */
  run(fuzzCase: FuzzCase): LoadStackResult {
    this.write('berth.yml', fuzzCase.stack);
    for (const name of MANAGED_FILES) this.write(name, fuzzCase.files?.[name]);
    const inputs = [fuzzCase.stack, ...Object.values(fuzzCase.files ?? {}), ...Object.values(fuzzCase.processEnv ?? {})].join('\n');
    const before = prototypeSnapshot();
    let result: LoadStackResult;
    try {
      const isTrackedByGit = fuzzCase.tracked === true ? () => true : undefined;
      result = loadStack({ file: this.file, environment: fuzzCase.environment, processEnv: fuzzCase.processEnv ?? {}, isTrackedByGit });
    } finally {
      checkPrototypes(before);
    }
    checkResult(result, inputs, this.file);
    return result;
  }

  private write(name: string, content: string | undefined): void {
    if (this.written.get(name) === content) return;
    const path = join(this.dir, name);
    if (content !== undefined) {
      writeFileSync(path, content);
      this.written.set(name, content);
    } else {
      rmSync(path, { force: true });
      this.written.delete(name);
    }
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

class InvariantError extends Error {
  constructor(message: string, detail?: unknown) {
    super(detail === undefined ? message : `${message}\n${JSON.stringify(detail, null, 2)}`);
    this.name = 'InvariantError';
  }
}

function fail(message: string, detail?: unknown): never {
  throw new InvariantError(message, detail);
}

interface PrototypeSnapshot {
  readonly object: readonly string[];
  readonly array: readonly string[];
  readonly fn: readonly string[];
}

function prototypeSnapshot(): PrototypeSnapshot {
  return { object: Reflect.ownKeys(Object.prototype).map(String), array: Reflect.ownKeys(Array.prototype).map(String), fn: Reflect.ownKeys(Function.prototype).map(String) };
}

/** Fails (after repairing the damage, so later cases are not poisoned) when a shared prototype gained a key. */
function checkPrototypes(before: PrototypeSnapshot): void {
  const after = prototypeSnapshot();
  const added: string[] = [];
  for (const [proto, was, now] of [
    [Object.prototype, before.object, after.object],
    [Array.prototype, before.array, after.array],
    [Function.prototype, before.fn, after.fn],
  ] as const) {
    for (const key of now) {
      if (was.includes(key)) continue;
      added.push(key);
      delete (proto as Record<string, unknown>)[key];
    }
  }
  const inherited: string[] = [];
  for (const key in {}) inherited.push(key);
  if (added.length > 0 || inherited.length > 0) fail(`a shared prototype was polluted with ${[...added, ...inherited].join(', ')}`);
}

// Catalog params are lower-case (`{file}`, `{variable}`); upper-case braces such as `${NAME}` in a hint are literal text.
const INTERPOLATION_CODES: ReadonlySet<ErrorCode> = new Set(['BERTH_E_VAR_SYNTAX', 'BERTH_E_VAR_UNSET', 'BERTH_E_VAR_REQUIRED', 'BERTH_E_REF_UNKNOWN_SERVICE', 'BERTH_E_REF_NO_PORT', 'BERTH_E_REF_LATE']);
const VALUE_STARTS = ['|', '>', '*', '"', "'", '&', '!', '[', '{', '-'];

const PLACEHOLDER = /\{([a-z]\w*)\}/g;

function placeholders(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1] ?? '');
}

// Lines as the YAML parser counts them (only `\n` ends a line; a `\r` before it is part of the line).
function lines(text: string): string[] {
  return text.split('\n');
}

function checkDiagnostic(d: Diagnostic, result: LoadStackResult, inputs: string, stackFile: string): void {
  if (!Object.hasOwn(errorCatalog, d.code)) fail(`diagnostic code ${d.code} is not in the catalog`, d);
  const entry = errorCatalog[d.code];
  if (d.severity !== entry.severity) fail(`${d.code} has severity ${d.severity}, the catalog says ${entry.severity}`, d);
  for (const part of ['message', 'hint'] as const) {
    const text = d[part];
    if (typeof text !== 'string' || text.trim() === '') fail(`${d.code} has an empty ${part}`, d);
    for (const name of placeholders(entry[part])) {
      // A `{name}` the user wrote themselves may legitimately be quoted back.
      if (text.includes(`{${name}}`) && !inputs.includes(`{${name}}`)) fail(`${d.code} ${part} has the placeholder {${name}} unfilled`, d);
    }
    for (const junk of ['undefined', '[object Object]', 'NaN']) {
      if (text.includes(junk) && !inputs.includes(junk) && !entry[part].includes(junk)) fail(`${d.code} ${part} contains "${junk}"`, d);
    }
  }
  for (const key of ['path', 'service', 'expected', 'found'] as const) {
    const value = d[key];
    if (value !== undefined && typeof value !== 'string') fail(`${d.code} has a non-string ${key}`, d);
  }
  const location = d.location;
  if (location === undefined) {
    if (!UNLOCATED_CODES.has(d.code)) fail(`${d.code} has no location`, d);
    if (d.code === 'BERTH_E_FILE_READ' && !d.message.includes(stackFile) && !/berth\.[^/]*\.yml/.test(d.message)) fail(`${d.code} about an env file has no location`, d);
    return;
  }
  const source = result.context.sources.get(location.file);
  if (source === undefined) fail(`${d.code} points into ${location.file}, which was not read`, d);
  if (!Number.isInteger(location.line) || location.line < 1) fail(`${d.code} has line ${String(location.line)}`, d);
  if (!Number.isInteger(location.column) || location.column < 1) fail(`${d.code} has column ${String(location.column)}`, d);
  const line = lines(source)[location.line - 1];
  if (line === undefined) fail(`${d.code} points at line ${String(location.line)} of a ${String(lines(source).length)}-line file`, d);
  if (location.column > line.length + 1) fail(`${d.code} points at column ${String(location.column)} of a ${String(line.length)}-character line`, d);
  // An interpolation problem points at its `$`, or (inside block scalars, aliases, multi-line values) at the value's start.
  if (INTERPOLATION_CODES.has(d.code) && location.file === stackFile) {
    const at = line.charAt(location.column - 1);
    if (at !== '$' && !VALUE_STARTS.includes(at) && !/^[\w.:/-]/.test(at)) fail(`${d.code} points at "${at}", not at a \`$\` or the start of a value: ${JSON.stringify(line)}`, d);
  }
}

/** Every object and array reachable from `value` is frozen. */
function checkFrozen(value: unknown, path: string, seen: Set<unknown>): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (!Object.isFrozen(value)) fail(`the stack is not deep-frozen: ${path || '(root)'} is mutable`);
  for (const [key, child] of Object.entries(value)) checkFrozen(child, `${path}.${key}`, seen);
}

/** Only JSON values: strings, finite numbers, booleans, null, arrays and plain objects; no cycles, no undefined. */
function checkJson(value: unknown, path: string, ancestors: Set<unknown>): void {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) fail(`the stack holds the non-JSON number ${String(value)} at ${path}`);
    return;
  }
  if (typeof value !== 'object') fail(`the stack holds a ${typeof value} at ${path}`);
  if (ancestors.has(value)) fail(`the stack is cyclic at ${path}`);
  const proto: unknown = Object.getPrototypeOf(value);
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) fail(`the stack holds a non-plain object at ${path}`);
  ancestors.add(value);
  for (const [key, child] of Object.entries(value)) checkJson(child, `${path}.${key}`, ancestors);
  ancestors.delete(value);
}

/** Checks a load result against every invariant of the loader. */
export function checkResult(result: LoadStackResult, inputs: string, stackFile: string): void {
  const all = result.ok ? result.warnings : result.diagnostics;
  if (!result.ok && !result.diagnostics.some((d) => d.severity === 'error')) fail('the load failed without an error diagnostic', result.diagnostics);
  if (result.ok && result.warnings.some((d) => d.severity !== 'warning')) fail('the load succeeded with an error diagnostic', result.warnings);
  for (const d of all) checkDiagnostic(d, result, inputs, stackFile);
  if (!result.ok) return;
  const stack = result.stack;
  checkFrozen(stack, '', new Set());
  checkJson(stack, 'stack', new Set());
  const roundTrip: unknown = JSON.parse(JSON.stringify(stack));
  if (JSON.stringify(roundTrip) !== JSON.stringify(stack)) fail('the stack does not survive a JSON round trip');
  // What a successful load promises the rest of Berth.
  for (const [name, service] of Object.entries(stack.services)) {
    if (!NAME_PATTERN.test(name) || service.name !== name) fail(`service ${name} has an invalid or mismatched name`);
    for (const target of Object.keys(service.depends_on)) if (!Object.hasOwn(stack.services, target)) fail(`service ${name} depends on ${target}, which does not exist`);
  }
  for (const [name, job] of Object.entries(stack.jobs)) {
    for (const target of job.depends_on) if (!Object.hasOwn(stack.services, target)) fail(`job ${name} depends on ${target}, which does not exist`);
  }
}
