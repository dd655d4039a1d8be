// What a command may touch of the outside world: its output streams, cwd and environment. Tests pass their own.

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Whether stdout is a terminal (colours and layout). */
  readonly isTty: boolean;
}

/** The real process's io. */
export function createProcessIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    stderr: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    cwd: process.cwd(),
    env: process.env,
    isTty: process.stdout.isTTY,
  };
}

/** Colours only on a terminal, and never when NO_COLOR is set. */
export function useColor(io: CliIo): boolean {
  const noColor = io.env.NO_COLOR;
  return io.isTty && (noColor === undefined || noColor === '');
}

/** Exit codes: 0 success, 1 the operation failed (or warnings under --strict), 2 bad input. */
export const EXIT = { ok: 0, failed: 1, badInput: 2 } as const;
