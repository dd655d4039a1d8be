// `berth up [SERVICE...] [-d]`: start the stack in dependency order. In the foreground it shows every
// service's output and stops everything in order on Ctrl-C; with -d it starts the daemon and returns
// once the stack is ready.
import { readFileSync } from 'node:fs';
import { callApi, daemonAnswers } from '../../client/api-client.js';
import type { ResolvedStack } from '../../config/resolved-stack.js';
import type { StatePaths } from '../../daemon/state-paths.js';
import { spawnDaemon, type SpawnedDaemon } from '../../exec/spawn-daemon.js';
import type { LogLine } from '../../logs/log-types.js';
import { parseDuration } from '../../shared/duration.js';
import { cliEntry } from '../../shared/entry-points.js';
import type { InstanceStatus } from '../../supervisor/supervisor-types.js';
import type { EdgeStatus } from '../../daemon/edge-controller.js';
import type { JobStatus } from '../../daemon/job-controller.js';
import { EXIT, useColor, type CliIo } from '../io.js';
import { parseOptions } from '../parse-options.js';
import { usageError } from '../print-diagnostics.js';
import { findStack, STACK_OPTIONS } from '../stack-target.js';

// Why the stack loader and the formatters are imported where they are used: `up -d` spawns the daemon first, and
// every module imported before that delays the daemon's start (the loader alone is most of the CLI's import time).

export const UP_HELP = `Usage: berth up [SERVICE...] [-d] [--file FILE] [--env NAME] [--timeout T]

Starts the stack (or the named services and what they depend on) in dependency order, each
service once its dependencies are ready. In the foreground it prints every service's output,
prefixed with its name, and Ctrl-C stops everything, dependents first.

  -d, --detach   run in the background; return once every service is ready (exit 1 with the
                 reason and the failing service's last log lines if not within --timeout)
  --timeout T    how long -d waits for readiness (default 120s)`;

export async function runUp(args: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseOptions('up', args, { ...STACK_OPTIONS, detach: { type: 'boolean', short: 'd' }, timeout: { type: 'string' } });
  if (!parsed.ok) return usageError(io, parsed.diagnostic);
  if (parsed.values.help === true) return (io.stdout(UP_HELP), EXIT.ok);
  const { file, paths } = findStack(io, parsed.values.file);
  const environment = typeof parsed.values.env === 'string' ? parsed.values.env : undefined;
  const timeout = parseDuration(typeof parsed.values.timeout === 'string' ? parsed.values.timeout : '120s') ?? 120_000;
  if (parsed.values.detach === true) return upDetached(io, { file, environment, services: parsed.positionals, paths, timeout });
  const { loadForCli, printDiagnostics } = await import('../load-for-cli.js');
  const loaded = loadForCli(io, file, environment);
  if (!loaded.ok) {
    printDiagnostics(io, loaded.diagnostics, loaded.context.sources);
    return EXIT.badInput;
  }
  const unknown = unknownServices(loaded.stack, parsed.positionals);
  if (unknown !== null) return (io.stderr(unknown), EXIT.badInput);
  const { startDaemon } = await import('../../daemon/start-daemon.js');
  const { formatStatusTable } = await import('../format-status.js');
  const { formatLogLine } = await import('../../logs/format-log-line.js');
  const started = await startDaemon({ stack: loaded.stack, paths, baseEnv: io.env, services: parsed.positionals });
  if (!started.ok) return (io.stderr(`berth up: ${started.reason}`), EXIT.failed);
  const { supervisor, edge, shutdown, done } = started.daemon;
  const width = Math.max(...Object.values(loaded.stack.services).map((s) => s.name.length + 1 + String(s.replicas).length));
  const color = useColor(io);
  supervisor.subscribeLogs((line) => {
    io.stdout(formatLogLine(line, { color, width }));
  });
  const began = Date.now();
  void supervisor.waitReady(timeout).then(async (result) => {
    if (!result.ok) {
      io.stderr(`berth: not ready:\n${formatStatusTable(result.failing, Date.now())}`);
      return;
    }
    await edge?.settled();
    io.stdout(`berth: every service is ready (${String(Date.now() - began)} ms)`);
    const front = await edge?.status();
    if (front === undefined) return;
    if (front.phase === 'listening') io.stdout(`berth: edge listening on http://${front.address}:${String(front.port)} (${String(front.routes.length)} route(s))`);
    else io.stderr(`berth: edge ${front.phase}: ${front.error ?? ''}`);
  });
  const stop = (): void => {
    io.stderr('berth: stopping (dependents first)...');
    void shutdown();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await done;
  process.removeListener('SIGINT', stop);
  process.removeListener('SIGTERM', stop);
  return EXIT.ok;
}

function unknownServices(stack: ResolvedStack, names: readonly string[]): string | null {
  const unknown = names.filter((name) => stack.services[name] === undefined);
  return unknown.length === 0 ? null : `berth up: no service named ${unknown.join(', ')} (services: ${Object.keys(stack.services).join(', ')})`;
}

interface DetachedOptions {
  readonly file: string;
  readonly environment: string | undefined;
  readonly services: readonly string[];
  readonly paths: StatePaths;
  readonly timeout: number;
}

/** How often `up -d` looks for the new daemon's socket (a missing socket fails at once, so this is cheap). */
const SOCKET_POLL_MS = 5;
/** How long `up -d` waits for a new daemon's API. */
const DAEMON_START_LIMIT_MS = 15_000;

// Why the daemon starts before the stack is loaded: its Node start-up and imports (≈ 0.2–0.5 s) overlap the
// CLI's loading and validation; it then waits on stdin for the validated stack instead of loading it again.
async function upDetached(io: CliIo, options: DetachedOptions): Promise<number> {
  const { socket, daemonLog } = options.paths;
  const running = await daemonAnswers(socket);
  let daemon: SpawnedDaemon | null = null;
  if (!running) {
    const entry = cliEntry();
    const args = ['daemon', '--file', options.file, '--stack-from-stdin', ...(options.environment === undefined ? [] : ['--env', options.environment]), ...options.services];
    daemon = spawnDaemon(entry, args, daemonLog, { ...io.env }, { input: true });
  }
  const { loadForCli, printDiagnostics } = await import('../load-for-cli.js');
  const loaded = loadForCli(io, options.file, options.environment);
  const problem = !loaded.ok ? null : unknownServices(loaded.stack, options.services);
  if (!loaded.ok || problem !== null) {
    // No stack on stdin: the daemon exits without starting anything.
    daemon?.stdin?.end();
    if (!loaded.ok) printDiagnostics(io, loaded.diagnostics, loaded.context.sources);
    else io.stderr(problem ?? '');
    return EXIT.badInput;
  }
  if (daemon !== null) {
    const { encodeStack } = await import('../../daemon/stack-handoff.js');
    daemon.stdin?.end(encodeStack(loaded.stack));
    const answered = await waitForDaemon(socket, daemon);
    if (answered !== 'ok') {
      const why = answered === 'timeout' ? 'the daemon did not start' : `the daemon exited (${answered})`;
      return (io.stderr(`berth up: ${why}; see ${daemonLog}${tailOf(daemonLog)}`), EXIT.failed);
    }
  }
  const waited = await callApi(socket, 'GET', `/v1/wait?timeout=${String(options.timeout)}`, options.timeout + 5000);
  if (!waited.ok) return (io.stderr(`berth up: ${waited.error}`), EXIT.failed);
  const result = waited.body as { ok: boolean; failing?: InstanceStatus[]; instances?: InstanceStatus[]; edge?: EdgeStatus | null; jobs?: JobStatus[] };
  const { formatStatusTable } = await import('../format-status.js');
  if (result.ok) {
    // A daemon from before /v1/wait carried the instances needs one more request.
    const instances = result.instances ?? await statusOf(socket);
    const { formatStackStatus } = await import('../format-stack-status.js');
    io.stdout(formatStackStatus(instances, result.jobs ?? [], result.edge ?? null, Date.now()));
    // The services run and stay up; an edge that cannot listen is an error all the same (nothing is reachable).
    if (result.edge !== undefined && result.edge !== null && result.edge.phase !== 'listening') {
      io.stderr(`berth up: ${result.edge.error ?? `edge ${result.edge.phase}`}`);
      return EXIT.failed;
    }
    return EXIT.ok;
  }
  io.stderr(`berth up: not every service became ready:\n${formatStatusTable(result.failing ?? [], Date.now())}`);
  for (const service of new Set((result.failing ?? []).map((s) => s.service))) {
    const logs = await callApi(socket, 'GET', `/v1/logs/${service}?n=20`);
    const lines = logs.ok ? (logs.body as { lines: LogLine[] }).lines : [];
    io.stderr(`\nlast lines of ${service}:\n${lines.map((l) => `  ${l.text}`).join('\n')}`);
  }
  return EXIT.failed;
}

async function statusOf(socket: string): Promise<InstanceStatus[]> {
  const status = await callApi(socket, 'GET', '/v1/status');
  return status.ok ? (status.body as { instances: InstanceStatus[] }).instances : [];
}

/** Resolves 'ok' once a daemon answers on the socket, or why not: it exited first, or the limit passed. */
async function waitForDaemon(socket: string, daemon: SpawnedDaemon): Promise<string> {
  const seen: { exit: string | null } = { exit: null };
  void daemon.exited.then((e) => (seen.exit = e.signal === null ? `exit code ${String(e.code)}` : `killed by ${e.signal}`));
  const deadline = Date.now() + DAEMON_START_LIMIT_MS;
  for (;;) {
    // Checked before the exit: when two `up -d` race, the losing daemon exits but the other one answers.
    if (await daemonAnswers(socket, 1000)) return 'ok';
    if (seen.exit !== null) return seen.exit;
    if (Date.now() > deadline) return 'timeout';
    await Promise.race([new Promise((resolve) => setTimeout(resolve, SOCKET_POLL_MS)), daemon.exited]);
  }
}

/** The daemon log's last lines, indented, for an error message; empty when unreadable. */
function tailOf(file: string): string {
  try {
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n').slice(-10);
    return `:\n${lines.map((l) => `  ${l}`).join('\n')}`;
  } catch {
    return '';
  }
}
