// `berth up [SERVICE...] [-d]`: start the stack in dependency order. In the foreground it shows every
// service's output and stops everything in order on Ctrl-C; with -d it starts the daemon and returns
// once the stack is ready.
import { fileURLToPath } from 'node:url';
import { callApi } from '../../client/api-client.js';
import { startDaemon } from '../../daemon/start-daemon.js';
import { spawnDaemon } from '../../exec/spawn-daemon.js';
import { formatLogLine } from '../../logs/format-log-line.js';
import type { LogLine } from '../../logs/log-types.js';
import { parseDuration } from '../../shared/duration.js';
import type { InstanceStatus } from '../../supervisor/supervisor-types.js';
import { formatStatusTable } from '../format-status.js';
import { EXIT, useColor, type CliIo } from '../io.js';
import { loadForCli, printDiagnostics } from '../load-for-cli.js';
import { parseOptions } from '../parse-options.js';
import { findStack, STACK_OPTIONS } from '../stack-target.js';
import { usageError } from './check.js';

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
  const loaded = loadForCli(io, file, environment);
  if (!loaded.ok) {
    printDiagnostics(io, loaded.diagnostics, loaded.context.sources);
    return EXIT.badInput;
  }
  const unknown = parsed.positionals.filter((name) => loaded.stack.services[name] === undefined);
  if (unknown.length > 0) return (io.stderr(`berth up: no service named ${unknown.join(', ')} (services: ${Object.keys(loaded.stack.services).join(', ')})`), EXIT.badInput);
  const timeout = parseDuration(typeof parsed.values.timeout === 'string' ? parsed.values.timeout : '120s') ?? 120_000;
  if (parsed.values.detach === true) return upDetached(io, { file, environment, services: parsed.positionals, socket: paths.socket, daemonLog: paths.daemonLog, timeout });
  const started = await startDaemon({ stack: loaded.stack, paths, baseEnv: io.env, services: parsed.positionals });
  if (!started.ok) return (io.stderr(`berth up: ${started.reason}`), EXIT.failed);
  const { supervisor, shutdown, done } = started.daemon;
  const width = Math.max(...Object.values(loaded.stack.services).map((s) => s.name.length + 1 + String(s.replicas).length));
  const color = useColor(io);
  supervisor.subscribeLogs((line) => {
    io.stdout(formatLogLine(line, { color, width }));
  });
  const began = Date.now();
  void supervisor.waitReady(timeout).then((result) => {
    if (result.ok) io.stdout(`berth: every service is ready (${String(Date.now() - began)} ms)`);
    else io.stderr(`berth: not ready:\n${formatStatusTable(result.failing, Date.now())}`);
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

interface DetachedOptions {
  readonly file: string;
  readonly environment: string | undefined;
  readonly services: readonly string[];
  readonly socket: string;
  readonly daemonLog: string;
  readonly timeout: number;
}

async function upDetached(io: CliIo, options: DetachedOptions): Promise<number> {
  const running = await callApi(options.socket, 'GET', '/v1/status', 2000);
  if (!running.ok) {
    const entry = fileURLToPath(new URL('../run-main.js', import.meta.url));
    const args = ['daemon', '--file', options.file, ...(options.environment === undefined ? [] : ['--env', options.environment]), ...options.services];
    spawnDaemon(entry, args, options.daemonLog, { ...io.env });
    const deadline = Date.now() + 15_000;
    while (!(await callApi(options.socket, 'GET', '/v1/status', 1000)).ok) {
      if (Date.now() > deadline) return (io.stderr(`berth up: the daemon did not start; see ${options.daemonLog}`), EXIT.failed);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  const waited = await callApi(options.socket, 'GET', `/v1/wait?timeout=${String(options.timeout)}`, options.timeout + 5000);
  if (!waited.ok) return (io.stderr(`berth up: ${waited.error}`), EXIT.failed);
  const result = waited.body as { ok: boolean; failing?: InstanceStatus[] };
  const status = await callApi(options.socket, 'GET', '/v1/status');
  const instances = status.ok ? (status.body as { instances: InstanceStatus[] }).instances : [];
  if (result.ok) {
    io.stdout(formatStatusTable(instances, Date.now()));
    return EXIT.ok;
  }
  io.stderr(`berth up: not every service became ready:\n${formatStatusTable(result.failing ?? [], Date.now())}`);
  for (const service of new Set((result.failing ?? []).map((s) => s.service))) {
    const logs = await callApi(options.socket, 'GET', `/v1/logs/${service}?n=20`);
    const lines = logs.ok ? (logs.body as { lines: LogLine[] }).lines : [];
    io.stderr(`\nlast lines of ${service}:\n${lines.map((l) => `  ${l.text}`).join('\n')}`);
  }
  return EXIT.failed;
}
