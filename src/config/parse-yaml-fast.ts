// The fast way to read a stack file: js-yaml, no positions. It declines (a diagnostic) whatever it cannot read exactly
// as `parseYaml` would, and the loader then starts again with `parseYaml`, which builds the full source map.
import { CORE_SCHEMA, constructFromEvents, defineScalarTag, EVENT_ID, getScalarValue, mergeTag, NOT_RESOLVED, parseEvents, SCALAR_STYLE, type Event } from 'js-yaml';
import { createDiagnostic, type Diagnostic } from '../errors/diagnostic.js';
import type { ParsedYaml } from './parse-yaml.js';
import { pathKey, type PathSegment, type SourceMap } from './source-map.js';

// Why copies of `yaml`'s core int and float rules (yaml/dist/schema/core): both paths must give the same value for
// every plain scalar, and js-yaml's own differ at the edges (`1e400` stays a string there, yaml makes it Infinity).
const INT_RULES: readonly [RegExp, number, number][] = [[/^0o[0-7]+$/, 2, 8], [/^[-+]?[0-9]+$/, 0, 10], [/^0x[0-9a-fA-F]+$/, 2, 16]];
const FLOAT_NAN = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;
const NULL_KEY = /^(?:~|[Nn]ull|NULL)?$/;

const intTag = defineScalarTag('tag:yaml.org,2002:int', {
  implicit: true,
  implicitFirstChars: null,
  resolve: (source) => {
    const rule = INT_RULES.find(([test]) => test.test(source));
    return rule === undefined ? NOT_RESOLVED : parseInt(source.substring(rule[1]), rule[2]);
  },
  identify: () => false,
});
const floatTag = defineScalarTag('tag:yaml.org,2002:float', {
  implicit: true,
  implicitFirstChars: null,
  resolve: (source) => {
    if (FLOAT_NAN.test(source)) return source.slice(-3).toLowerCase() === 'nan' ? NaN : source.startsWith('-') ? -Infinity : Infinity;
    return FLOAT.test(source) ? parseFloat(source) : NOT_RESOLVED;
  },
  identify: () => false,
});
const SCHEMA = CORE_SCHEMA.withTags(intTag, floatTag, mergeTag);
// `yaml` refuses a file once an anchor's uses times the aliases inside it pass 200; with at most 14 aliases in all
// that product stays below 200 (3·3·3·3·2 = 162), so a file the fast path reads is never one `yaml` refuses.
const MAX_ALIASES = 14;

/** Parses YAML text with js-yaml; a diagnostic means "declined", never a finding to show. Never throws. */
export function parseYamlFast(text: string, file: string): ParsedYaml {
  const declined = (reason: string): ParsedYaml => ({ file, text, data: undefined, sourceMap: new Map(), diagnostics: [declineDiagnostic(file, reason)] });
  let events: Event[];
  let documents: unknown[];
  try {
    events = parseEvents(text, { filename: file, maxDepth: 64 });
    documents = constructFromEvents(events, { source: text, filename: file, schema: SCHEMA, json: false, maxAliases: MAX_ALIASES });
  } catch (error) {
    return declined(error instanceof Error ? error.message : String(error));
  }
  if (documents.length !== 1) return declined('not one document');
  const styles = scanEvents(events, text);
  if (typeof styles === 'string') return declined(styles);
  const data = documents[0];
  const sourceMap: SourceMap = new Map();
  const problem = recordStyles(data, [], styles, sourceMap, file, new Set());
  return problem === undefined ? { file, text, data, sourceMap, diagnostics: [] } : declined(problem);
}

function declineDiagnostic(file: string, reason: string): Diagnostic {
  return createDiagnostic('BERTH_E_YAML_SYNTAX', { params: { reason: `fast parser declined: ${reason.split('\n')[0] ?? reason}` }, location: { file, line: 1, column: 1 } });
}

interface Styles {
  /** Values of plain scalars that contain `$`. */
  readonly plain: Set<string>;
  /** Values of quoted and block scalars that contain `$`. */
  readonly other: Set<string>;
}

// Declines what the two parsers build differently or the loader cannot trust: directives (`%YAML 1.1` changes the
// schema), explicit tags, keys that are not plain strings (`~:` is "" in `yaml`, "null" in js-yaml; `[a]:`), aliases
// as keys. Collects the style of every scalar with a `$`, which interpolation needs (`port: ${PORT}` becomes a number).
function scanEvents(events: readonly Event[], text: string): Styles | string {
  const styles: Styles = { plain: new Set(), other: new Set() };
  // For each open collection: whether it is a mapping, and how many children it has had.
  const open: { mapping: boolean; children: number }[] = [];
  for (const event of events) {
    if (event.type === EVENT_ID.POP) {
      open.pop();
      continue;
    }
    if (event.type === EVENT_ID.DOCUMENT) {
      if (event.directives.length > 0) return 'a directive';
      continue;
    }
    const parent = open[open.length - 1];
    const isKey = parent !== undefined && parent.mapping && parent.children % 2 === 0;
    if (parent !== undefined) parent.children += 1;
    if (event.type === EVENT_ID.ALIAS) {
      if (isKey) return 'an alias as a key';
      continue;
    }
    if (event.tagStart !== -1) return 'an explicit tag';
    if (event.type !== EVENT_ID.SCALAR) {
      if (isKey) return 'a collection as a key';
      open.push({ mapping: event.type === EVENT_ID.MAPPING, children: 0 });
      continue;
    }
    const source = text.slice(event.valueStart, event.valueEnd);
    const plain = event.style === SCALAR_STYLE.PLAIN;
    if (isKey && plain && NULL_KEY.test(source)) return 'a null key';
    if (source.includes('$') || (!plain && source.includes('\\'))) {
      const value = getScalarValue(text, event);
      if (value.includes('$')) (plain ? styles.plain : styles.other).add(value);
    }
  }
  return styles;
}

// Enters a style-only entry for every string with a `$`: the loader reads `style` from it and nothing else that
// matters, since a location is only ever shown in a diagnostic, and any diagnostic sends the load to the slow path.
// `path` is one array pushed and popped as the walk goes (a copy per value made this walk a fifth of a cold load).
function recordStyles(value: unknown, path: PathSegment[], styles: Styles, map: SourceMap, file: string, seen: Set<unknown>): string | undefined {
  if (typeof value === 'string') {
    if (!value.includes('$')) return undefined;
    const plain = styles.plain.has(value);
    if (plain === styles.other.has(value)) return plain ? 'the same text plain and quoted' : 'a string with `$` not seen as a scalar';
    map.set(pathKey(path), { value: { file, line: 1, column: 1 }, style: plain ? 'plain' : 'quoted', singleLine: false });
    return undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  // Why: js-yaml lets an alias sit inside its own anchor (`&a [*a]`), an endless value `yaml` refuses.
  if (seen.has(value)) return 'an alias inside its own anchor';
  seen.add(value);
  const problem = Array.isArray(value) ? recordItems(value, path, styles, map, file, seen) : recordEntries(value as Record<string, unknown>, path, styles, map, file, seen);
  seen.delete(value);
  return problem;
}

function recordItems(items: readonly unknown[], path: PathSegment[], styles: Styles, map: SourceMap, file: string, seen: Set<unknown>): string | undefined {
  for (let index = 0; index < items.length; index += 1) {
    path.push(index);
    const problem = recordStyles(items[index], path, styles, map, file, seen);
    path.pop();
    if (problem !== undefined) return problem;
  }
  return undefined;
}

function recordEntries(entries: Record<string, unknown>, path: PathSegment[], styles: Styles, map: SourceMap, file: string, seen: Set<unknown>): string | undefined {
  for (const key of Object.keys(entries)) {
    path.push(key);
    const problem = recordStyles(entries[key], path, styles, map, file, seen);
    path.pop();
    if (problem !== undefined) return problem;
  }
  return undefined;
}
