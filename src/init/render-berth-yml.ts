// Renders a draft as commented berth.yml text, with the yaml Document API so quoting is always right.
import { Document, Pair, YAMLMap, isCollection, isScalar, type Node, type Scalar } from 'yaml';
import type { DraftField, DraftService, DraftValue, InitDraft } from './init-draft.js';

/** The `$id` of the generated JSON Schema; editors with the YAML language server autocomplete from it. */
export const SCHEMA_URL = 'https://berth.dev/schemas/berth.schema.json';

const FIELD_ORDER = ['recipe', 'command', 'cwd', 'build', 'release', 'env_file', 'env', 'port', 'http', 'depends_on', 'ready', 'live', 'restart', 'stop', 'replicas', 'oneshot', 'data', 'database', 'user', 'password', 'args', 'settings', 'appendfsync'];
const BLOCK_KEYS = new Set(['env', 'settings']);

/** The text of berth.yml for `draft`. The first line is the yaml-language-server schema comment. */
export function renderBerthYml(draft: InitDraft): string {
  const doc = new Document();
  const root = new YAMLMap();
  if (draft.name !== undefined) root.items.push(createPair(doc, 'name', { value: draft.name.value, comment: draft.name.comment }));
  const services = new YAMLMap();
  draft.services.forEach((service, index) => {
    const key = doc.createNode(service.name);
    key.commentBefore = toComment([service.source === 'starter' ? 'an example service' : `from ${service.source}`]);
    key.spaceBefore = index > 0;
    services.items.push(new Pair(key, renderService(doc, service)));
  });
  const trailing = [...describeDropped(draft), ...draft.servicesNotes];
  if (trailing.length > 0) services.comment = toComment(trailing);
  const servicesKey = doc.createNode('services');
  servicesKey.spaceBefore = draft.name !== undefined;
  root.items.push(new Pair(servicesKey, services));
  doc.contents = root;
  doc.commentBefore = toComment(describeHeader(draft));
  if (draft.notes.length > 0) doc.comment = toComment(['Notes from berth init:', ...draft.notes.map((n) => `- ${n.replace(/\n/g, '\n  ')}`)]);
  return doc.toString({ lineWidth: 0 });
}

function renderService(doc: Document, service: DraftService): YAMLMap {
  const map = new YAMLMap();
  const keys = [...service.fields.keys()].sort((a, b) => rank(a) - rank(b));
  for (const key of keys) {
    const field = service.fields.get(key);
    if (field !== undefined) map.items.push(createPair(doc, key, field));
  }
  if (service.notes.length > 0) map.comment = toComment(service.notes);
  return map;
}

function createPair(doc: Document, key: string, field: DraftField): Pair {
  const keyNode = doc.createNode(key);
  const value = doc.createNode(field.value) as Node;
  const entryComments = field.entryComments ?? {};
  if (isCollection(value)) {
    value.flow = shouldFlow(key, field.value, Object.keys(entryComments).length > 0);
    if (value instanceof YAMLMap) {
      for (const pair of value.items as Pair<Scalar, Node>[]) {
        const comment = entryComments[String(pair.key.value)];
        if (comment !== undefined && pair.value !== null) pair.value.comment = toComment([comment]);
      }
    }
  }
  if (field.before !== undefined && field.before.length > 0) keyNode.commentBefore = toComment(field.before);
  if (field.comment !== undefined) {
    // A block collection's own comment would land after it; put the comment on the key's line instead.
    if (isScalar(value) || (isCollection(value) && value.flow === true)) value.comment = toComment([field.comment]);
    else keyNode.comment = toComment([field.comment]);
  }
  return new Pair(keyNode, value);
}

function shouldFlow(key: string, value: DraftValue, hasEntryComments: boolean): boolean {
  if (BLOCK_KEYS.has(key) || hasEntryComments) return false;
  const leaves: readonly DraftValue[] = Array.isArray(value) ? value : Object.values(value as Record<string, DraftValue>);
  const simple = leaves.every((leaf) => typeof leaf !== 'object' || childrenOf(leaf).every((l) => typeof l !== 'object'));
  return simple && JSON.stringify(value).length <= 100;
}

function childrenOf(value: DraftValue): readonly DraftValue[] {
  if (typeof value !== 'object') return [];
  return Array.isArray(value) ? (value as readonly DraftValue[]) : Object.values(value as Record<string, DraftValue>);
}

function rank(key: string): number {
  const index = FIELD_ORDER.indexOf(key);
  return index < 0 ? FIELD_ORDER.length : index;
}

function toComment(lines: readonly string[]): string {
  return lines.flatMap((line) => line.split('\n')).map((line) => ` ${line}`).join('\n');
}

function describeHeader(draft: InitDraft): string[] {
  const first = `yaml-language-server: $schema=${SCHEMA_URL}`;
  if (draft.starter === true) {
    const found = draft.sources.length === 0 ? 'No package.json, Procfile or compose file was found here' : `${draft.sources.join(', ')} named no service Berth could run`;
    return [first, `Written by \`berth init\`. ${found}, so this is a starter:`, 'replace the example with your own services, then run `berth check`.'];
  }
  return [first, `Written by \`berth init\` from ${draft.sources.join(', ')}. Review it, then run \`berth check\`.`, 'Comments starting with "not mapped" mark settings Berth could not carry over.'];
}

function describeDropped(draft: InitDraft): string[] {
  if (draft.dropped.length === 0) return [];
  return ['Not carried over:', ...draft.dropped.map((d) => `  ${d.reason}`)];
}
