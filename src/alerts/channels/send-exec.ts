// The `exec:` channel: a command that gets the alert as JSON on stdin; exit 0 means delivered.
import { runCommand } from '../../exec/run-command.js';
import type { FormattedAlert } from '../format-alert.js';

export interface ExecContext {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Runs the command (a string through `/bin/sh -c`, a list directly); throws unless it exits 0 in time. */
export async function sendExec(command: string | readonly string[], alert: FormattedAlert, context: ExecContext, timeoutMs: number): Promise<void> {
  const argv: [string, ...string[]] = typeof command === 'string' ? ['/bin/sh', '-c', command] : [command[0] ?? 'false', ...command.slice(1)];
  const result = await runCommand({ argv, input: `${JSON.stringify(alert.json)}\n`, cwd: context.cwd, env: context.env, timeoutMs });
  if (result.code === 0) return;
  const why = result.error ?? (result.timedOut ? `did not finish within ${String(timeoutMs)} ms` : `exited with code ${String(result.code)}`);
  const tail = result.output.trim().split('\n').slice(-3).join(' | ').slice(0, 300);
  throw new Error(`exec: ${why}${tail === '' ? '' : `: ${tail}`}`);
}
