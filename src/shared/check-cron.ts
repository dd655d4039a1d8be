// Checks a five-field cron expression with croner.
// Why croner and not cron-parser: cron-parser builds a luxon date for every parse, and luxon's first date starts
// ICU (Intl), 20–40 ms that every cold `berth check` paid; croner parses with plain Dates (decision 0007).
import { Cron } from 'croner';

const reasons = new Map<string, string | null>();

/** Why `expression` is not a usable five-field cron schedule, or undefined when it is. */
export function checkCron(expression: string): string | undefined {
  let reason = reasons.get(expression);
  if (reason === undefined) {
    reason = findProblem(expression);
    reasons.set(expression, reason);
  }
  return reason ?? undefined;
}

function findProblem(expression: string): string | null {
  const fields = expression.trim().split(/\s+/).length;
  if (fields !== 5) return `expected 5 fields, found ${String(fields)}`;
  let cron: Cron;
  try {
    cron = new Cron(expression, { paused: true, mode: '5-part' });
  } catch (error) {
    return (error instanceof Error ? error.message : String(error)).replace(/^CronPattern: /, '');
  }
  // `0 0 31 2 *` (31 February) parses, but would never run: a schedule that silently never fires is a lost backup.
  return cron.nextRun() === null ? 'it never fires (no such date)' : null;
}
