// Resolves `${services.NAME.port|url|host}` once the stack is validated. What is known now (fixed ports,
// recipe URLs with a known password) is written in; what is only known at run time becomes a late env value.
import { createDiagnostic, type Diagnostic, type SourceLocation } from '../errors/diagnostic.js';
import { describeChoices } from '../shared/suggest.js';
import type { PendingPart, PendingValue } from './interpolate.js';
import type { StackOutput } from './schema/stack.js';
import { formatPath, locate, type PathSegment, type SourceMap } from './source-map.js';

export const RECIPE_PORTS = { postgres: 5432, redis: 6379 } as const;
const ATTRIBUTES = ['port', 'url', 'host'] as const;

export interface ReferenceResult {
  readonly diagnostics: readonly Diagnostic[];
  /** Late env values by service name (`jobs.NAME` for jobs, '' for the stack-wide `env`), then env key. */
  readonly late: ReadonlyMap<string, Record<string, readonly PendingPart[]>>;
}

type Pending = ReadonlyMap<string, PendingValue>;

/** The database a postgres recipe creates when the file names none: the stack name, as an identifier. */
export function defaultDatabaseName(stackName: string): string {
  return stackName.replace(/-/g, '_');
}

/** The port a service listens on when it is fixed in the file, else null. */
export function fixedPort(service: StackOutput['services'][string]): number | null {
  return service.port ?? (service.recipe === undefined ? null : RECIPE_PORTS[service.recipe]);
}

/** The value of a reference when known before run time, else undefined (late). Exported for the supervisor. */
export function resolveReference(stack: StackOutput, stackName: string, service: string, attr: string): string | undefined {
  // Why hasOwn: a name such as `constructor` must not find Object.prototype's property.
  const target = Object.hasOwn(stack.services, service) ? stack.services[service] : undefined;
  if (target === undefined) return undefined;
  const port = fixedPort(target);
  if (attr === 'host') return '127.0.0.1';
  if (port === null) return undefined;
  if (attr === 'port') return String(port);
  if (target.recipe === 'redis') return target.password === undefined ? `redis://127.0.0.1:${String(port)}` : `redis://:${encodeURIComponent(target.password)}@127.0.0.1:${String(port)}`;
  if (target.recipe === 'postgres') {
    if (target.password === undefined) return undefined;
    const database = target.database ?? defaultDatabaseName(stackName);
    const user = target.user ?? database;
    return `postgresql://${encodeURIComponent(user)}:${encodeURIComponent(target.password)}@127.0.0.1:${String(port)}/${encodeURIComponent(database)}`;
  }
  return `${target.http === undefined ? 'tcp' : 'http'}://127.0.0.1:${String(port)}`;
}

/** Writes known references into `stack` (mutated; it is a fresh copy) and collects late ones. */
export function resolveReferences(stack: StackOutput, stackName: string, pending: Pending, sourceMap: SourceMap): ReferenceResult {
  const diagnostics: Diagnostic[] = [];
  const late = new Map<string, Record<string, readonly PendingPart[]>>();
  const names = Object.keys(stack.services);
  for (const { path, parts, refAt } of pending.values()) {
    const field = formatPath(path);
    let firstLate: { source: string; location: SourceLocation | undefined } | undefined;
    let valid = true;
    for (const [index, part] of parts.filter((p) => p.kind === 'ref').entries()) {
      const location = refAt[index] ?? locate(sourceMap, path);
      const target = Object.hasOwn(stack.services, part.service) ? stack.services[part.service] : undefined;
      if (target === undefined) {
        valid = false;
        diagnostics.push(createDiagnostic('BERTH_E_REF_UNKNOWN_SERVICE', { params: { text: part.source, service: part.service, suggestion: describeChoices(part.service, names, 'service') }, location, path: field, expected: 'the name of a service in this file', found: `\`${part.service}\`` }));
      } else if (!(ATTRIBUTES as readonly string[]).includes(part.attr)) {
        valid = false;
        diagnostics.push(createDiagnostic('BERTH_E_VAR_SYNTAX', { params: { text: part.source }, location, path: field, expected: '`port`, `url` or `host` after the service name', found: `\`${part.attr}\`` }));
      } else if (part.attr !== 'host' && fixedPort(target) === null && target.http === undefined) {
        valid = false;
        diagnostics.push(createDiagnostic('BERTH_E_REF_NO_PORT', { params: { text: part.source, service: part.service }, location, path: field, expected: 'a service with a port', found: `\`${part.service}\` has no \`port\`, \`http\` or recipe` }));
      } else if (resolveReference(stack, stackName, part.service, part.attr) === undefined) {
        firstLate ??= { source: part.source, location };
      }
    }
    if (!valid) continue;
    const envOwner = envOwnerOf(path);
    if (firstLate !== undefined && envOwner === undefined) {
      diagnostics.push(createDiagnostic('BERTH_E_REF_LATE', { params: { text: firstLate.source }, location: firstLate.location, path: field, expected: 'a reference inside an `env` value', found: `a reference in \`${field}\`` }));
      continue;
    }
    if (firstLate !== undefined && envOwner !== undefined) {
      const record = late.get(envOwner.service) ?? {};
      record[envOwner.key] = parts;
      late.set(envOwner.service, record);
      continue;
    }
    const text = parts.map((p) => (p.kind === 'text' ? p.text : (resolveReference(stack, stackName, p.service, p.attr) ?? ''))).join('');
    setAt(stack, path, text);
  }
  return { diagnostics, late };
}

function envOwnerOf(path: readonly PathSegment[]): { service: string; key: string } | undefined {
  if (path.length === 2 && path[0] === 'env') return { service: '', key: String(path[1]) };
  if (path.length === 4 && path[0] === 'services' && path[2] === 'env') return { service: String(path[1]), key: String(path[3]) };
  if (path.length === 4 && path[0] === 'jobs' && path[2] === 'env') return { service: `jobs.${String(path[1])}`, key: String(path[3]) };
  return undefined;
}

// Why own properties only: validation drops `__proto__` keys, and following one would write into Object.prototype.
function setAt(root: unknown, path: readonly PathSegment[], value: string): void {
  let current = root;
  for (const segment of path.slice(0, -1)) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, segment)) return;
    current = (current as Record<string | number, unknown>)[segment];
  }
  const last = path[path.length - 1];
  if (last !== undefined && current !== null && typeof current === 'object' && Object.hasOwn(current, last)) (current as Record<string | number, unknown>)[last] = value;
}
