// The JSON Schema of berth.yml, generated from the zod schema (the source of truth), and a small walker over it
// used for "did you mean" hints and for dropping users' own `x-` keys.
import { z } from 'zod';
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

/** Removes `x-` keys from fixed-shape mappings (not from maps of user names such as `services` or `env`). */
export function stripExtensionKeys(data: unknown, nodes: readonly JsonSchemaNode[] = [getStackJsonSchema()], depth = 0): unknown {
  if (data === null || typeof data !== 'object' || depth > 64) return data;
  const candidates = nodes.flatMap((n) => [n, ...branches(n)]);
  if (Array.isArray(data)) {
    const items = candidates.flatMap((n) => (n.items === undefined ? [] : [n.items]));
    return data.map((item) => stripExtensionKeys(item, items, depth + 1));
  }
  const shaped = candidates.filter((n) => n.properties !== undefined);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    const declared = shaped.some((n) => n.properties?.[key] !== undefined);
    if (key.startsWith('x-') && shaped.length > 0 && !declared) continue;
    const childNodes = candidates.flatMap((n) => {
      const property = n.properties?.[key];
      if (property !== undefined) return [property];
      return typeof n.additionalProperties === 'object' ? [n.additionalProperties] : [];
    });
    Object.defineProperty(out, key, { value: stripExtensionKeys(value, childNodes, depth + 1), enumerable: true, writable: true, configurable: true });
  }
  return out;
}
