// Maps field paths in the parsed data to positions in the YAML source, so every error can name file:line:col.
import type { SourceLocation } from '../errors/diagnostic.js';

export type PathSegment = string | number;

/** How a scalar was written; interpolation into a plain scalar re-reads its type (`port: ${PORT}` is a number). */
export type ScalarStyle = 'plain' | 'quoted' | 'block' | 'none';

export interface SourceEntry {
  /** Where the key of this entry is written (absent for list items and the root). */
  readonly key?: SourceLocation;
  /** Where the value starts. */
  readonly value: SourceLocation;
  readonly style: ScalarStyle;
  /** True when the value is written on one line without escapes, so column offsets inside it are exact. */
  readonly singleLine: boolean;
}

export type SourceMap = Map<string, SourceEntry>;

/** The key used in a SourceMap for a field path. */
export function pathKey(path: readonly PathSegment[]): string {
  return path.map(String).join('\u0000');
}

/** `services.web.ready.http`, with list indices as `[0]`. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${String(segment)}]`;
    else out += out === '' ? segment : `.${segment}`;
  }
  return out;
}

/** Finds the best location for a path: the entry itself, else its nearest ancestor. */
export function locate(map: SourceMap, path: readonly PathSegment[], prefer: 'key' | 'value' = 'value'): SourceLocation | undefined {
  for (let length = path.length; length >= 0; length -= 1) {
    const entry = map.get(pathKey(path.slice(0, length)));
    if (entry !== undefined) {
      if (length < path.length) return entry.key ?? entry.value;
      return prefer === 'key' ? (entry.key ?? entry.value) : entry.value;
    }
  }
  return undefined;
}

/** Copies entries from one map into another, re-rooting `from` prefix to `to` prefix. */
export function mergeSourceMaps(target: SourceMap, source: SourceMap, from: readonly PathSegment[] = [], to: readonly PathSegment[] = []): void {
  const prefix = pathKey(from);
  for (const [key, entry] of source) {
    if (from.length > 0 && key !== prefix && !key.startsWith(`${prefix}\u0000`)) continue;
    const rest = from.length === 0 ? key : key.slice(prefix.length + 1);
    const head = pathKey(to);
    const newKey = head === '' ? rest : rest === '' ? head : `${head}\u0000${rest}`;
    if (key === prefix && from.length > 0) continue;
    target.set(newKey, entry);
  }
}
