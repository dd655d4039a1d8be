// What every lint rule receives: the resolved stack and where its fields are written.
import type { Diagnostic } from '../../errors/diagnostic.js';
import type { ResolvedStack } from '../resolved-stack.js';
import { formatPath, locate, type PathSegment, type SourceMap } from '../source-map.js';

export interface LintOptions {
  /** Answers whether git tracks a file; absent in pure contexts (the rule then does nothing). */
  readonly isTrackedByGit?: ((file: string) => boolean) | undefined;
  /** Compares a postgres data folder with the server found for `bin_dir`; absent in pure contexts (no check). */
  readonly findPostgresDrift?: ((dataDir: string, binDir: string | null) => { readonly dataMajor: number; readonly binaries: { readonly major: number; readonly version: string; readonly binDir: string } } | undefined) | undefined;
}

export interface LintContext extends LintOptions {
  readonly stack: ResolvedStack;
  readonly sourceMap: SourceMap;
  /** Stack data before interpolation: tells literals from `${VAR}` values. */
  readonly raw: unknown;
  /** Env files that were read. */
  readonly envFiles: readonly string[];
}

export type LintRule = (context: LintContext) => Diagnostic[];

/** Location and formatted path of a field, for diagnostics. */
export function at(context: LintContext, path: readonly PathSegment[], prefer: 'key' | 'value' = 'value') {
  return { location: locate(context.sourceMap, path, prefer), path: formatPath(path) };
}

/** Index of a dependency in a `depends_on` list, or its key in a map, as a path. */
export function dependsOnPath(context: LintContext, owner: 'services' | 'jobs', name: string, target: string): PathSegment[] {
  const base: PathSegment[] = [owner, name, 'depends_on'];
  const raw = rawAt(context.raw, base);
  if (Array.isArray(raw)) {
    const index = raw.indexOf(target);
    return index < 0 ? base : [...base, index];
  }
  return [...base, target];
}

/** The raw value at a path, or undefined. */
export function rawAt(raw: unknown, path: readonly PathSegment[]): unknown {
  let current = raw;
  for (const segment of path) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}
