// The first look at a recipe's `data:` folder, shared by postgres and redis: missing, empty, not a folder, or
// its entries for the recipe to judge. Reads only; never changes the folder.
import { readdirSync, statSync } from 'node:fs';

export type DataFolder =
  | { readonly kind: 'absent' }
  | { readonly kind: 'empty' }
  | { readonly kind: 'unreadable'; readonly reason: string }
  | { readonly kind: 'entries'; readonly entries: readonly string[] };

/** Lists the folder, or says why there is nothing to list. */
export function readDataFolder(dir: string): DataFolder {
  try {
    if (!statSync(dir).isDirectory()) return { kind: 'unreadable', reason: 'it is a file, not a folder' };
    const entries = readdirSync(dir);
    return entries.length === 0 ? { kind: 'empty' } : { kind: 'entries', entries };
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? { kind: 'absent' } : { kind: 'unreadable', reason: (error as Error).message };
  }
}

/** `` `a`, `b`, `c` and 2 more `` for error messages. */
export function describeEntries(entries: readonly string[]): string {
  const shown = entries.slice(0, 3).map((name) => `\`${name}\``).join(', ');
  return entries.length > 3 ? `${shown} and ${String(entries.length - 3)} more` : shown;
}
