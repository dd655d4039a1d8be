// The JSON Schema of berth.yml, generated from the zod schema (the source of truth), and a small walker over it
// used for "did you mean" hints and for dropping users' own `x-` keys.
import { z } from 'zod';
import { setOwnKey } from '../shared/set-own-key.js';
import { stackSchema } from './schema/stack.js';

export interface JsonSchemaNode {
  readonly type?: string | readonly string[];
  readonly properties?: Readonly<Record<string, JsonSchemaNode>>;
  readonly additionalProperties?: boolean | JsonSchemaNode;
  readonly items?: JsonSchemaNode;
  readonly anyOf?: readonly JsonSchemaNode[];
  readonly oneOf?: readonly JsonSchemaNode[];
  readonly allOf?: readonly JsonSchemaNode[];
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly description?: string;
  readonly default?: unknown;
  readonly [key: string]: unknown;
}

let cached: JsonSchemaNode | undefined;

/** The generated JSON Schema (draft-07), with `x-` keys allowed on every fixed-shape object. */
export function getStackJsonSchema(): JsonSchemaNode {
  if (cached !== undefined) return cached;
  const generated = z.toJSONSchema(stackSchema, { io: 'input', target: 'draft-7', unrepresentable: 'any' }) as Record<string, unknown>;
  allowExtensionKeys(generated);
  cached = { ...generated, $id: 'https://berth.dev/schemas/berth.schema.json' };
  return cached;
}

function allowExtensionKeys(node: unknown): void {
  if (node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    node.forEach(allowExtensionKeys);
    return;
  }
  const record = node as Record<string, unknown>;
  if (record.properties !== undefined && record.additionalProperties === false) record.patternProperties = { '^x-': {} };
  for (const child of Object.values(record)) allowExtensionKeys(child);
}

function branches(node: JsonSchemaNode): readonly JsonSchemaNode[] {
  return [...(node.anyOf ?? []), ...(node.oneOf ?? []), ...(node.allOf ?? [])].flatMap((branch) => [branch, ...branches(branch)]);
}

function objectBranches(node: JsonSchemaNode): JsonSchemaNode[] {
  return [node, ...branches(node)].filter((n) => n.type === 'object' || n.properties !== undefined || typeof n.additionalProperties === 'object');
}

/** The schema nodes that describe the value at `path` (several when unions are involved). */
export function schemasAt(path: readonly (string | number)[], root: JsonSchemaNode = getStackJsonSchema()): JsonSchemaNode[] {
  let current: JsonSchemaNode[] = [root];
  for (const segment of path) {
    const next: JsonSchemaNode[] = [];
    for (const node of current) {
      for (const candidate of [node, ...branches(node)]) {
        if (typeof segment === 'number') {
          if (candidate.items !== undefined) next.push(candidate.items);
        } else if (candidate.properties?.[segment] !== undefined) {
          next.push(candidate.properties[segment]);
        } else if (typeof candidate.additionalProperties === 'object') {
          next.push(candidate.additionalProperties);
        }
      }
    }
    current = next;
  }
  return current;
}

/** The keys a fixed-shape mapping at `path` allows. */
export function knownKeysAt(path: readonly (string | number)[]): string[] {
  const keys = new Set<string>();
  for (const node of schemasAt(path)) for (const branch of objectBranches(node)) for (const key of Object.keys(branch.properties ?? {})) keys.add(key);
  return [...keys];
}

/** What the schema allows at one place in the data; cached per list of schema nodes, so each place is worked out once. */
interface SchemaCursor {
  readonly candidates: readonly JsonSchemaNode[];
  /** True when some candidate has fixed keys: there, unknown `x-` keys are the user's and are dropped. */
  readonly shaped: boolean;
  /** Schema nodes of a child, by key; keys no candidate declares share one entry, so user names do not grow it. */
  readonly children: Map<string, readonly JsonSchemaNode[]>;
  items?: readonly JsonSchemaNode[];
}

const cursors = new WeakMap<readonly JsonSchemaNode[], SchemaCursor>();
const UNDECLARED = '\u0000';
let rootNodes: readonly JsonSchemaNode[] | undefined;

function cursorAt(nodes: readonly JsonSchemaNode[]): SchemaCursor {
  let cursor = cursors.get(nodes);
  if (cursor === undefined) {
    const candidates = nodes.flatMap((n) => [n, ...branches(n)]);
    cursor = { candidates, shaped: candidates.some((n) => n.properties !== undefined), children: new Map() };
    cursors.set(nodes, cursor);
  }
  return cursor;
}

function childrenAt(cursor: SchemaCursor, key: string, declared: boolean): readonly JsonSchemaNode[] {
  const slot = declared ? key : UNDECLARED;
  let children = cursor.children.get(slot);
  if (children === undefined) {
    children = cursor.candidates.flatMap((n) => {
      const property = declared && n.properties !== undefined && Object.hasOwn(n.properties, key) ? n.properties[key] : undefined;
      if (property !== undefined) return [property];
      return typeof n.additionalProperties === 'object' ? [n.additionalProperties] : [];
    });
    cursor.children.set(slot, children);
  }
  return children;
}

/** Removes `x-` keys from fixed-shape mappings (not from maps of user names such as `services` or `env`). */
export function stripExtensionKeys(data: unknown): unknown {
  // Why the check first: walking with the schema needs the JSON Schema, which costs more to generate than a whole
  // load of a stack file without `x-` keys, the common case.
  return hasExtensionKey(data, 0) ? stripAt(data, (rootNodes ??= [getStackJsonSchema()]), 0) : data;
}

function hasExtensionKey(data: unknown, depth: number): boolean {
  if (data === null || typeof data !== 'object' || depth > 64) return false;
  if (Array.isArray(data)) return data.some((item) => hasExtensionKey(item, depth + 1));
  for (const key in data) {
    if (!Object.hasOwn(data, key)) continue;
    if (key.startsWith('x-') || hasExtensionKey((data as Record<string, unknown>)[key], depth + 1)) return true;
  }
  return false;
}

function stripAt(data: unknown, nodes: readonly JsonSchemaNode[], depth: number): unknown {
  if (data === null || typeof data !== 'object' || depth > 64) return data;
  const cursor = cursorAt(nodes);
  if (Array.isArray(data)) {
    const items = (cursor.items ??= cursor.candidates.flatMap((n) => (n.items === undefined ? [] : [n.items])));
    return data.map((item) => stripAt(item, items, depth + 1));
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    // Why hasOwn: keys such as `constructor` must not find Object.prototype's property in `properties`.
    const declared = cursor.candidates.some((n) => n.properties !== undefined && Object.hasOwn(n.properties, key));
    if (key.startsWith('x-') && cursor.shaped && !declared) continue;
    setOwnKey(out, key, stripAt(value, childrenAt(cursor, key, declared), depth + 1));
  }
  return out;
}
