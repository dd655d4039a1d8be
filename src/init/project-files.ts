// Read access to the project folder for the detectors: injected, so detection stays testable without a disk.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BerthError, createDiagnostic } from '../errors/diagnostic.js';

export interface ProjectFiles {
  /** The text of a file relative to the project folder, or undefined when there is no such file. */
  readonly read: (path: string) => string | undefined;
  /** Whether a file or folder exists relative to the project folder. */
  readonly exists: (path: string) => boolean;
}

/** Project files backed by a folder on disk. A file that exists but cannot be read throws BERTH_E_INIT_SOURCE. */
export function createFolderFiles(dir: string): ProjectFiles {
  const exists = (path: string): boolean => {
    try {
      statSync(join(dir, path));
      return true;
    } catch {
      return false;
    }
  };
  const read = (path: string): string | undefined => {
    const full = join(dir, path);
    try {
      if (!statSync(full).isFile()) return undefined;
    } catch {
      return undefined;
    }
    try {
      return readFileSync(full, 'utf8');
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new BerthError([createDiagnostic('BERTH_E_INIT_SOURCE', { params: { file: path, reason }, found: reason })]);
    }
  };
  return { read, exists };
}

/** Project files held in memory (path → text); folders are implied by the paths. */
export function createMemoryFiles(files: Readonly<Record<string, string>>): ProjectFiles {
  const paths = Object.keys(files);
  return {
    read: (path) => (Object.hasOwn(files, path) ? files[path] : undefined),
    exists: (path) => paths.some((p) => p === path || p.startsWith(`${path.replace(/\/+$/, '')}/`)),
  };
}
