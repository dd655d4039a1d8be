// Whether a file exists and this process may run it.
import { accessSync, constants } from 'node:fs';

/** True when `file` is executable by this process. */
export function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
