// `berth init`: placeholder until the detection lands (see src/init/).
import { EXIT, type CliIo } from '../io.js';

export const INIT_HELP = `Usage: berth init [--force-detect]`;

export function runInit(_args: readonly string[], io: CliIo): number {
  io.stderr('berth init: not yet implemented');
  return EXIT.failed;
}
