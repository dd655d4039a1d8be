// Renders docs/reference/stack-file.md from the generated JSON Schema, so the reference cannot drift from the schema.
import { describeSchema } from '../config/describe-schema.js';
import { getStackJsonSchema, type JsonSchemaNode } from '../config/json-schema.js';

interface Row {
  readonly field: string;
  readonly type: string;
  readonly fallback: string;
  readonly description: string;
}

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function branchesOf(node: JsonSchemaNode): JsonSchemaNode[] {
  return [node, ...(node.anyOf ?? []), ...(node.oneOf ?? []), ...(node.allOf ?? [])];
}

function collect(node: JsonSchemaNode, prefix: string, rows: Row[], depth: number): void {
  if (depth > 8) return;
  for (const branch of branchesOf(node)) {
    for (const [key, child] of Object.entries(branch.properties ?? {})) {
      const field = prefix === '' ? key : `${prefix}.${key}`;
      const description = child.description ?? branchesOf(child).find((b) => b.description !== undefined)?.description ?? '';
      rows.push({ field, type: describeSchema(child), fallback: child.default === undefined ? '' : `\`${JSON.stringify(child.default)}\``, description });
      descend(child, field, rows, depth + 1);
    }
  }
}

function descend(child: JsonSchemaNode, field: string, rows: Row[], depth: number): void {
  for (const branch of branchesOf(child)) {
    if (branch.properties !== undefined && branch !== child) collect(branch, field, rows, depth);
    else if (branch.properties !== undefined) collect(branch, field, rows, depth);
    else if (typeof branch.additionalProperties === 'object' && hasShape(branch.additionalProperties)) collect(branch.additionalProperties, `${field}.<name>`, rows, depth);
    else if (branch.items !== undefined && hasShape(branch.items)) collect(branch.items, `${field}[]`, rows, depth);
  }
}

function hasShape(node: JsonSchemaNode): boolean {
  return branchesOf(node).some((b) => b.properties !== undefined);
}

/** The Markdown of docs/reference/stack-file.md. */
export function renderStackReference(): string {
  const schema = getStackJsonSchema();
  const lines = [
    '# Stack file reference (`berth.yml`)',
    '',
    '<!-- Generated from src/config/schema by `npm run generate`; a test fails when this file is stale. Do not edit by hand. -->',
    '',
    `${schema.description ?? ''} Every key below is optional unless its section says otherwise; the default column is what Berth uses when the key is absent.`,
    '',
    'Conventions: durations are strings with a unit (`500ms`, `10s`, `5m`, `2h`, `1d`); sizes are bytes or a number with `kb`/`mb`/`gb`.',
    'Keys starting with `x-` are ignored everywhere a fixed set of keys is expected, so you can keep YAML anchors there (`x-common: &common ...` and `<<: *common`).',
    'Strings may use `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?message}`, `$$` for a literal `$`, and `${services.NAME.port}`, `${services.NAME.url}`, `${services.NAME.host}`.',
    '`${PORT}` and `${BERTH_*}` are left for the process to expand at run time; a bare `$NAME` is never touched.',
    '',
    'JSON Schema for editors: `schemas/berth.schema.json` (`berth init` adds the `# yaml-language-server: $schema=` line).',
    '',
  ];
  const required = new Set((schema.required as string[] | undefined) ?? []);
  for (const [key, node] of Object.entries(schema.properties ?? {})) {
    lines.push(`## \`${key}\`${required.has(key) ? ' (required)' : ''}`, '', node.description ?? '', '');
    const rows: Row[] = [{ field: key, type: describeSchema(node), fallback: node.default === undefined ? '' : `\`${JSON.stringify(node.default)}\``, description: '' }];
    descend(node, key, rows, 0);
    lines.push('| field | type | default | description |', '| --- | --- | --- | --- |');
    for (const row of rows) lines.push(`| \`${row.field}\` | ${cell(row.type)} | ${cell(row.fallback)} | ${cell(row.description)} |`);
    lines.push('');
  }
  return `${lines.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}
