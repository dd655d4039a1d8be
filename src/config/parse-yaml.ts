// Parses a YAML stack file into plain data plus a source map of every field's position.
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, Scalar, visit, type Document, type Node } from 'yaml';
import { createDiagnostic, type Diagnostic, type SourceLocation } from '../errors/diagnostic.js';
import { formatPath, pathKey, type PathSegment, type ScalarStyle, type SourceMap } from './source-map.js';

export interface ParsedYaml {
  readonly file: string;
  readonly text: string;
  readonly data: unknown;
  readonly sourceMap: SourceMap;
  readonly diagnostics: readonly Diagnostic[];
}

const MAX_ALIAS_COUNT = 200;
const MAX_DEPTH = 64;

/** Parses YAML text; never throws: problems come back as diagnostics. */
export function parseYaml(text: string, file: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const at = (offset: number): SourceLocation => {
    const pos = lineCounter.linePos(offset);
    return { file, line: pos.line, column: pos.col };
  };
  const doc = parseDocument(text, { lineCounter, merge: true, uniqueKeys: true, prettyErrors: false, strict: true });
  const diagnostics: Diagnostic[] = [];
  // Why only the first: after one syntax error the parser's recovery reports every later token as unexpected.
  for (const problem of [...doc.errors, ...doc.warnings].slice(0, 1)) {
    const duplicate = /^Map keys must be unique/.exec(problem.message) !== null || problem.code === 'DUPLICATE_KEY';
    const offset = duplicate ? problem.pos[0] : blameSyntax(doc, text, problem.code, problem.pos[0]);
    // A second document (`---`) is outside every field.
    const place = { location: at(offset), path: problem.code === 'MULTIPLE_DOCS' ? '' : formatPath(pathAt(doc.contents, offset, duplicate)) };
    diagnostics.push(
      duplicate
        ? createDiagnostic('BERTH_E_YAML_DUPLICATE_KEY', { ...place, params: { key: keyAt(text, offset) }, found: 'the same key twice', expected: 'each key once' })
        : createDiagnostic('BERTH_E_YAML_SYNTAX', { ...place, params: { reason: firstLine(problem.message) }, ...describeSyntax(problem.code, text, offset) }),
    );
  }
  const sourceMap: SourceMap = new Map();
  if (diagnostics.length > 0) return { file, text, data: undefined, sourceMap, diagnostics };
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    if (isCyclic(data, new Set())) throw new Error('an alias refers to the node that contains it, which makes an endless value');
    walk(doc, doc.contents, [], sourceMap, at, 0, undefined);
  } catch (error) {
    const reason = error instanceof Error ? firstLine(error.message) : String(error);
    const offset = blameOffset(doc);
    diagnostics.push(createDiagnostic('BERTH_E_YAML_SYNTAX', { params: { reason }, location: at(offset), path: formatPath(pathAt(doc.contents, offset, true)), expected: 'a value YAML can build: aliases to earlier anchors, merges (`<<`) of mappings', found: reason }));
    return { file, text, data: undefined, sourceMap, diagnostics };
  }
  return { file, text, data, sourceMap, diagnostics };
}

// Where a document that parses but cannot be built goes wrong: a merge key (`<<`) whose source is not a mapping,
// else an alias inside its own anchor (an endless value), else the first alias (one too many), else the start.
function blameOffset(doc: Document): number {
  let merge: number | undefined;
  let cyclic: number | undefined;
  let alias: number | undefined;
  visit(doc, {
    Pair(_, pair) {
      const key = isScalar(pair.key) ? pair.key.value : pair.key;
      if (merge !== undefined || !isScalar(pair.key) || (key !== '<<' && typeof key !== 'symbol')) return;
      const sources = isSeq(pair.value) ? pair.value.items : [pair.value];
      if (sources.some((source) => !isMap(isAlias(source) ? source.resolve(doc) : source))) merge = pair.key.range?.[0];
    },
    Alias(_, node) {
      const start = node.range?.[0];
      const target = node.resolve(doc)?.range ?? undefined;
      alias ??= start;
      if (cyclic === undefined && start !== undefined && target !== undefined && target[0] <= start && start < target[2]) cyclic = start;
    },
  });
  return merge ?? cyclic ?? alias ?? 0;
}

// Where a syntax error is best shown: an unclosed quote where it opens (the parser reports the end of the file),
// anything else at the first non-space character from where the parser stopped.
function blameSyntax(doc: Document, text: string, code: string, offset: number): number {
  let opened: number | undefined;
  if (code === 'MISSING_CHAR') {
    visit(doc, {
      Scalar(_, node) {
        const range = node.range;
        const quoted = node.type === Scalar.QUOTE_DOUBLE || node.type === Scalar.QUOTE_SINGLE;
        if (quoted && range !== undefined && range !== null && range[0] < offset && offset <= range[2]) opened = range[0];
      },
    });
  }
  if (opened !== undefined) return opened;
  let at = offset;
  while (text[at] === ' ') at += 1;
  return at < text.length && text[at] !== '\n' ? at : offset;
}

// Words for what the parser wanted at an error, by its error code; anything else is described by what is there.
const SYNTAX_EXPECTED: Readonly<Record<string, { expected: string; found?: string }>> = {
  TAB_AS_INDENT: { expected: 'indentation with spaces', found: 'a tab' },
  BAD_INDENT: { expected: 'the indentation of the keys or items beside it' },
  MISSING_CHAR: { expected: 'a closing quote or bracket', found: 'the end of the value without one' },
  BLOCK_AS_IMPLICIT_KEY: { expected: 'one `key: value` per line; quote a value that contains `: `' },
  MULTILINE_IMPLICIT_KEY: { expected: 'a key on one line, followed by `:`' },
  MULTIPLE_DOCS: { expected: 'one YAML document', found: 'a second document after `---`' },
  BAD_ALIAS: { expected: 'an alias `*name` to an anchor `&name` defined above it' },
};

function describeSyntax(code: string, text: string, offset: number): { expected: string; found: string } {
  const known = SYNTAX_EXPECTED[code];
  const rest = (text.slice(offset).split('\n')[0] ?? '').trimEnd();
  const shown = rest === '' ? (offset >= text.trimEnd().length ? 'the end of the file' : 'the end of the line') : JSON.stringify(rest.length > 40 ? `${rest.slice(0, 37)}...` : rest);
  return { expected: known?.expected ?? 'valid YAML', found: known?.found ?? shown };
}

// The field path at `offset`, for the errors the parser reports by position only. Around a syntax error the tree
// is a guess, so only entries that start before the error count; a duplicate key counts from its own start.
function pathAt(node: unknown, offset: number, fromStart: boolean, path: PathSegment[] = []): PathSegment[] {
  if (path.length > MAX_DEPTH) return path;
  const spans = (first: unknown, last: unknown): boolean => {
    const start = (first as Node | null | undefined)?.range?.[0];
    const end = (last as Node | null | undefined)?.range?.[1] ?? (first as Node | null | undefined)?.range?.[1];
    return start !== undefined && end !== undefined && (fromStart ? start <= offset : start < offset) && offset <= end;
  };
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? pair.key.value : pair.key;
      if (spans(pair.key, pair.value) && (typeof key === 'string' || typeof key === 'number')) return pathAt(pair.value, offset, fromStart, [...path, String(key)]);
    }
  } else if (isSeq(node)) {
    for (const [index, item] of node.items.entries()) if (spans(item, item)) return pathAt(item, offset, fromStart, [...path, index]);
  }
  return path;
}

function isCyclic(value: unknown, seen: Set<unknown>): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (seen.has(value)) return true;
  seen.add(value);
  const cyclic = Object.values(value).some((child) => isCyclic(child, seen));
  seen.delete(value);
  return cyclic;
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

function keyAt(text: string, offset: number): string {
  const rest = text.slice(offset, offset + 80).split(/[:\n]/)[0] ?? '';
  return rest.trim() === '' ? '(unknown)' : rest.trim();
}

function styleOf(node: unknown): ScalarStyle {
  if (!isScalar(node)) return 'none';
  if (node.type === Scalar.PLAIN) return 'plain';
  if (node.type === Scalar.QUOTE_DOUBLE || node.type === Scalar.QUOTE_SINGLE) return 'quoted';
  return 'block';
}

type At = (offset: number) => SourceLocation;

function record(map: SourceMap, path: readonly PathSegment[], node: Node | null | undefined, keyNode: unknown, at: At): void {
  const range = node?.range;
  const keyRange = isScalar(keyNode) ? (keyNode.range ?? undefined) : undefined;
  const start = range?.[0] ?? keyRange?.[0] ?? 0;
  const end = range?.[1] ?? start;
  const value = at(start);
  // Why only scalars on one line without escapes: columns inside a block scalar (`|`), a folded plain scalar, a quoted
  // string with escapes (`"\t"`) or an alias (`*a`) do not follow from the start, so errors there point at the start.
  const style = styleOf(node);
  const exact = isScalar(node) && at(end).line === value.line && (style !== 'quoted' || end - start - 2 === (node.source ?? '').length);
  const entry = { value, style, singleLine: exact };
  map.set(pathKey(path), keyRange === undefined ? entry : { ...entry, key: at(keyRange[0]) });
}

// Why depth and alias limits: hostile files can nest deeply or alias a node into itself; the walk must end.
function walk(doc: Document, node: unknown, path: PathSegment[], map: SourceMap, at: At, depth: number, keyNode: unknown): void {
  if (depth > MAX_DEPTH) return;
  const target = isAlias(node) ? node.resolve(doc) : node;
  if (path.length === 0 || !map.has(pathKey(path))) record(map, path, (isAlias(node) ? node : target) as Node | undefined, keyNode, at);
  if (isAlias(node) && depth > 8) return;
  if (isMap(target)) {
    const merges: unknown[] = [];
    for (const pair of target.items) {
      const key = isScalar(pair.key) ? pair.key.value : pair.key;
      if (key === '<<' || typeof key === 'symbol') {
        merges.push(pair.value);
        continue;
      }
      walk(doc, pair.value, [...path, String(key)], map, at, depth + 1, pair.key);
    }
    for (const merge of merges) {
      const sources = isSeq(merge) ? merge.items : [merge];
      for (const source of sources) {
        const resolved = isAlias(source) ? source.resolve(doc) : source;
        if (!isMap(resolved)) continue;
        for (const pair of resolved.items) {
          const key = isScalar(pair.key) ? pair.key.value : pair.key;
          const childPath = [...path, String(key)];
          if (!map.has(pathKey(childPath))) walk(doc, pair.value, childPath, map, at, depth + 1, pair.key);
        }
      }
    }
  } else if (isSeq(target)) {
    target.items.forEach((item, index) => {
      walk(doc, item, [...path, index], map, at, depth + 1, undefined);
    });
  }
}
