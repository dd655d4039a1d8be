// `berth logs [SERVICE...] [-f] [-n N] [--since T] [--json]`: read the log files; no daemon needed.
import { followLogs } from '../../logs/follow-logs.js';
import { formatLogLine, formatLogLineJson } from '../../logs/format-log-line.js';
import type { LogLine } from '../../logs/log-types.js';
import { parseSince } from '../../logs/parse-since.js';
import { readLogs } from '../../logs/read-logs.js';
import { jobLogName } from '../../scheduler/job-log-name.js';
import { EXIT, useColor, type CliIo } from '../io.js';
import { loadForCli } from '../load-for-cli.js';
import { parseOptions } from '../parse-options.js';
import { findStack } from '../stack-target.js';
import { usageError } from '../print-diagnostics.js';

export const LOGS_HELP = `Usage: berth logs [SERVICE...] [-f] [-n N] [--since T] [--json] [--file FILE]

Shows the services' and jobs' output from .berth/logs (all when none are named), merged by time; a job's
lines are labelled job.NAME.
  -f, --follow   keep printing new lines (follows across rotation); Ctrl-C stops
  -n N           the last N lines (default 100; 0 with -f shows only new lines)
  --since T      lines from a duration ago (10m, 2h) or since an ISO time
  --json         one JSON object a line`;

export async function runLogs(args: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseOptions('logs', args, { file: { type: 'string' }, follow: { type: 'boolean', short: 'f' }, n: { type: 'string', short: 'n' }, since: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  if (!parsed.ok) return usageError(io, parsed.diagnostic);
  if (parsed.values.help === true) return (io.stdout(LOGS_HELP), EXIT.ok);
  const { file, paths } = findStack(io, parsed.values.file);
  const loaded = loadForCli(io, file, undefined);
  const known = loaded.ok ? Object.keys(loaded.stack.services) : [];
  const jobs = loaded.ok ? Object.keys(loaded.stack.jobs) : [];
  // A job's log is `job.NAME` (a job never has a service's name: BERTH_E_JOB_NAME_TAKEN).
  const isJob = (name: string): boolean => jobs.includes(name);
  const unknown = parsed.positionals.filter((name) => loaded.ok && !known.includes(name) && !isJob(name));
  if (unknown.length > 0) return (io.stderr(`berth logs: no service or job named ${unknown.join(', ')} (services: ${known.join(', ')}${jobs.length === 0 ? '' : `; jobs: ${jobs.join(', ')}`})`), EXIT.badInput);
  const lines = parsed.values.n === undefined ? 100 : Number(parsed.values.n);
  if (!Number.isInteger(lines) || lines < 0) return (io.stderr('berth logs: -n takes a whole number'), EXIT.badInput);
  const since = typeof parsed.values.since === 'string' ? parseSince(parsed.values.since, Date.now()) : undefined;
  if (typeof parsed.values.since === 'string' && since === undefined) return (io.stderr('berth logs: --since takes a duration (10m) or an ISO time'), EXIT.badInput);
  const color = useColor(io);
  const labels = [...known, ...jobs.map(jobLogName)];
  const width = Math.max(...(labels.length === 0 ? [8] : labels.map((n) => n.length + 2)));
  const print = (line: LogLine): void => {
    io.stdout(parsed.values.json === true ? formatLogLineJson(line) : formatLogLine(line, { color, width }));
  };
  const options = { dir: paths.logsDir, services: parsed.positionals.map((name) => (isJob(name) ? jobLogName(name) : name)), lines, ...(since === undefined ? {} : { since }) };
  if (parsed.values.follow !== true) {
    const found = await readLogs(options);
    found.forEach(print);
    return EXIT.ok;
  }
  const follower = followLogs({ ...options, onLine: print });
  await follower.ready;
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await follower.stop();
  return EXIT.ok;
}
