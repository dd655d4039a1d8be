// A CliIo that records output, for running commands in-process.
import type { CliIo } from '../../src/cli/io.js';

export interface CapturedIo extends CliIo {
  readonly out: () => string;
  readonly err: () => string;
}

/** An io rooted at `cwd` with the given environment (nothing from the real process). */
export function captureIo(cwd: string, env: Readonly<Record<string, string>> = {}, isTty = false): CapturedIo {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout: (text) => stdout.push(text),
    stderr: (text) => stderr.push(text),
    cwd,
    env,
    isTty,
    out: () => stdout.join('\n'),
    err: () => stderr.join('\n'),
  };
}
