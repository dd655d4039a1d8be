// Reads a JSON-lines file that a fixture may be appending to while the test reads it.
import { existsSync, readFileSync } from 'node:fs';

/** The file's whole lines, parsed (a line still being written is left out); [] while the file does not exist. */
export function readWholeJsonLines<T>(path: string): T[] {
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
  return text.slice(0, text.lastIndexOf('\n') + 1).split('\n').filter(Boolean).map((line) => JSON.parse(line) as T);
}
