// `berth jobs [--json]` and `berth jobs run NAME [--wait]`: the stack's scheduled jobs, from the running daemon.
import { callApi } from '../../client/api-client.js';
import type { JobStatus } from '../../daemon/job-controller.js';
import type { JobOutcome } from '../../daemon/job-run.js';
import { createDiagnostic } from '../../errors/diagnostic.js';
import { formatJobsTable } from '../format-jobs.js';
import { EXIT, type CliIo } from '../io.js';
import { parseOptions, parseVerbArgument } from '../parse-options.js';
import { printApiError, printNoDaemon } from '../print-api-error.js';
import { usageError } from '../print-diagnostics.js';
import { findStack, STACK_OPTIONS } from '../stack-target.js';

export const JOBS_HELP = `Usage: berth jobs [--json] [--file FILE]
       berth jobs run NAME [--wait] [--file FILE]

Lists the jobs: when each runs, its next run, the runs in progress and the last one.
\`run NAME\` starts a run now, under the job's own rules: not while a service in its \`depends_on\` is not
ready, and with \`overlap: forbid\` not while a run is in progress (\`replace\` stops that run first).
--wait waits for the run to end and exits 1 when it failed; its output is in \`berth logs NAME\`.`;

interface RunAnswer {
  readonly run: number;
  readonly pid: number;
  readonly outcome: JobOutcome | null;
}

export async function runJobs(args: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseOptions('jobs', args, { ...STACK_OPTIONS, json: { type: 'boolean' }, wait: { type: 'boolean' } });
  if (!parsed.ok) return usageError(io, parsed.diagnostic);
  if (parsed.values.help === true) return (io.stdout(JOBS_HELP), EXIT.ok);
  const run = parseVerbArgument('jobs', parsed.positionals, 'run', 'NAME');
  if (!run.ok) return usageError(io, run.diagnostic);
  const name = run.argument;
  const { paths } = findStack(io, parsed.values.file);
  if (name === undefined) {
    const result = await callApi(paths.socket, 'GET', '/v1/status');
    if (!result.ok) return printNoDaemon(io, result.error);
    const jobs = (result.body as { jobs?: JobStatus[] }).jobs ?? [];
    io.stdout(parsed.values.json === true ? JSON.stringify(jobs, null, 2) : jobs.length === 0 ? 'no jobs: `jobs:` in berth.yml lists none' : formatJobsTable(jobs, Date.now()));
    return EXIT.ok;
  }
  const wait = parsed.values.wait === true;
  // No limit with --wait but the job's own `timeout`: a run may take hours.
  const result = await callApi(paths.socket, 'POST', `/v1/jobs/run?name=${encodeURIComponent(name)}${wait ? '&wait=1' : ''}`, wait ? 0 : undefined);
  if (!result.ok) return printNoDaemon(io, result.error);
  if (result.status !== 200) return printApiError(io, 'jobs run', result.body);
  const answer = result.body as RunAnswer;
  if (parsed.values.json === true) io.stdout(JSON.stringify(answer, null, 2));
  const outcome = answer.outcome;
  if (outcome === null) {
    if (parsed.values.json !== true) io.stdout(`started run ${String(answer.run)} of ${name} (pid ${String(answer.pid)}); its output: berth logs ${name} -f`);
    return EXIT.ok;
  }
  if (outcome.kind === 'succeeded') {
    if (parsed.values.json !== true) io.stdout(`run ${String(answer.run)} of ${name} succeeded in ${String(outcome.ms)} ms`);
    return EXIT.ok;
  }
  const { message, hint } = createDiagnostic('BERTH_E_JOB_FAILED', { params: { run: String(answer.run), job: name, reason: outcome.kind === 'stopped' ? `was stopped: ${outcome.reason}` : `failed: ${outcome.reason}` } });
  io.stderr(`berth jobs run: BERTH_E_JOB_FAILED: ${message}\n  hint: ${hint}`);
  return EXIT.failed;
}
