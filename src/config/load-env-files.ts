// Reads the env files a stack names (or `.env` beside berth.yml by default) and reports missing or malformed ones.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { createDiagnostic, type Diagnostic } from '../errors/diagnostic.js';
import { maskEnvFile, parseEnvFile } from './parse-env-file.js';
import { formatPath, locate, type PathSegment, type SourceMap } from './source-map.js';

export interface LoadedEnvFiles {
  readonly values: Map<string, string>;
  readonly files: readonly string[];
  /** Text of each file for code frames, values masked (see maskEnvFile). */
  readonly sources: ReadonlyMap<string, string>;
  readonly diagnostics: readonly Diagnostic[];
}

/** Loads the env files listed at `path` in the stack data (`env_file`), in order; later files win. */
export function loadEnvFiles(stackFile: string, value: unknown, path: readonly PathSegment[], sourceMap: SourceMap, useDefault: boolean): LoadedEnvFiles {
  const root = dirname(stackFile);
  const values = new Map<string, string>();
  const sources = new Map<string, string>();
  const diagnostics: Diagnostic[] = [];
  const files: string[] = [];
  const listed = typeof value === 'string' ? [value] : Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  const names = listed.length === 0 && value === undefined && useDefault ? ['.env'] : listed;
  names.forEach((name, index) => {
    const file = isAbsolute(name) ? name : resolve(root, name);
    const isDefault = listed.length === 0;
    if (!existsSync(file)) {
      if (!isDefault) {
        const at = typeof value === 'string' ? path : [...path, index];
        diagnostics.push(createDiagnostic('BERTH_E_ENV_FILE_NOT_FOUND', { params: { file: name }, location: locate(sourceMap, at), path: formatPath(at), expected: 'an existing file', found: `no file at ${file}` }));
      }
      return;
    }
    let text: string;
    try {
      // Why regular files only: `env_file: /dev/zero` or a FIFO would never finish reading.
      if (!statSync(file).isFile()) throw new Error('not a regular file');
      text = readFileSync(file, 'utf8');
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      diagnostics.push(createDiagnostic('BERTH_E_FILE_READ', { params: { file, reason }, location: locate(sourceMap, path), path: formatPath(path), expected: 'a readable file', found: reason }));
      return;
    }
    files.push(file);
    const parsed = parseEnvFile(text, file);
    sources.set(file, maskEnvFile(text, parsed.diagnostics));
    diagnostics.push(...parsed.diagnostics);
    for (const [key, v] of parsed.values) values.set(key, v);
  });
  return { values, files, sources, diagnostics };
}
