// Runs one `berth` command in-process in a stack folder, with its own output captured, for daemon tests.
import { main } from '../../src/cli/main.js';
import { captureIo } from './capture-io.js';

export interface BerthRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
  /** How long the command took, in ms. */
  readonly ms: number;
}

/** `berth ARGS` with `dir` as the working folder and `env` as the environment. */
export async function runBerth(dir: string, env: Readonly<Record<string, string>>, ...args: string[]): Promise<BerthRun> {
  const io = captureIo(dir, env);
  const started = Date.now();
  const code = await main(args, io);
  return { code, out: io.out(), err: io.err(), ms: Date.now() - started };
}
