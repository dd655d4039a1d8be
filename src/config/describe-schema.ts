// Describes what a JSON Schema node accepts, in words, for "expected:" lines.
import type { JsonSchemaNode } from './json-schema.js';

const TYPE_WORDS: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  integer: 'a whole number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
  record: 'a mapping',
  null: 'null',
};

/** "a string or a list of strings", "one of `always`, `never`", "a whole number from 1 to 65535". */
export function describeSchema(node: JsonSchemaNode): string {
  const options = node.anyOf ?? node.oneOf;
  if (options !== undefined) return unique(options.map(describeSchema)).join(' or ');
  if (node.enum !== undefined) return `one of ${node.enum.map((v) => `\`${String(v)}\``).join(', ')}`;
  if (node.const !== undefined) return `\`${JSON.stringify(node.const)}\``;
  if (Array.isArray(node.type)) return (node.type as string[]).map((t) => describeSchema({ ...node, type: t })).join(' or ');
  const type = node.type as string | undefined;
  if (type === 'array') return node.items === undefined ? 'a list' : listOf(describeSchema(node.items));
  if (type === 'integer' || type === 'number') {
    const min = node.minimum as number | undefined;
    const max = node.maximum as number | undefined;
    const word = TYPE_WORDS[type] ?? 'a number';
    if (min !== undefined && max !== undefined) return `${word} from ${String(min)} to ${String(max)}`;
    if (min !== undefined) return `${word} of at least ${String(min)}`;
    return word;
  }
  if (type === 'string' && typeof node.pattern === 'string' && node.pattern.includes('ms|s|m|h|d')) return 'a duration such as `10s`';
  return TYPE_WORDS[type ?? ''] ?? 'a value';
}

/** Words for a zod `expected` type name. */
export function describeTypeName(name: string): string {
  return TYPE_WORDS[name] ?? `a ${name}`;
}

function listOf(item: string): string {
  return item === 'a string' ? 'a list of strings' : item === 'a mapping' ? 'a list of mappings' : `a list, each ${item}`;
}

function unique(items: readonly string[]): string[] {
  return [...new Set(items)];
}
