// `berth down | status | wait | start | stop | restart`: talk to the running daemon over its socket.
import { reapLeftovers } from '../../exec/process-records.js';
import { parseDuration } from '../../shared/duration.js';
import type { InstanceStatus } from '../../supervisor/supervisor-types.js';
import { callApi } from '../../client/api-client.js';
import type { EdgeStatus } from '../../daemon/edge-controller.js';
import { deployStatePath, readDeployState } from '../../deploy/deploy-state.js';
import { readDaemonPid, waitForProcessExit } from '../../state/previous-daemon.js';
import type { JobStatus } from '../../daemon/job-controller.js';
import { formatStackStatus } from '../format-stack-status.js';
import { formatStatusTable } from '../format-status.js';
import { EXIT, type CliIo } from '../io.js';
import { parseOptions } from '../parse-options.js';
import { printApiError, printNoDaemon } from '../print-api-error.js';
import { findStack, STACK_OPTIONS } from '../stack-target.js';
import { usageError } from '../print-diagnostics.js';

export const DOWN_HELP = `Usage: berth down [--file FILE]

Stops every service, dependents first, and the daemon. With no daemon running it still stops
anything a crashed daemon left behind.`;
export const STATUS_HELP = `Usage: berth status [--file FILE] [--json]

One row an instance: state, pid, uptime, restarts, readiness, port, last probe result; then, when
something is routed, the edge: where it listens and one row a route with its request counters; then,
once \`berth deploy\` has run, the release running and the one before it.
--json gives all of it, the edge's per-route counters included.`;
export const WAIT_HELP = `Usage: berth wait [--file FILE] [--timeout T]

Blocks until every service is ready (one-shots completed); exit 1 on failure or timeout (default 60s).`;
export const SERVICE_HELP = (verb: string): string => `Usage: berth ${verb} SERVICE... [--file FILE]${verb === 'restart' ? `

A routed service (deploy strategy blue-green, the default for routed services) restarts without a failed
request: new instances start beside the old ones, take the traffic once ready, and the old ones stop
after their requests finished (WebSockets are closed with code 1001 after 30 s). If the new instances
do not get ready, the old ones keep serving.` : ''}`;

const noDaemon = printNoDaemon;

export async function runDown(args: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseOptions('down', args, STACK_OPTIONS);
  if (!parsed.ok) return usageError(io, parsed.diagnostic);
  if (parsed.values.help === true) return (io.stdout(DOWN_HELP), EXIT.ok);
  const { paths } = findStack(io, parsed.values.file);
  // Read before asking: the daemon removes daemon.json as it stops.
  const daemonPid = readDaemonPid(paths.stateDir);
  const result = await callApi(paths.socket, 'POST', '/v1/down');
  if (!result.ok) {
    const reaped = await reapLeftovers(paths.runDir);
    io.stdout(reaped.length === 0 ? 'nothing is running' : `stopped ${String(reaped.length)} process group(s) a previous daemon left: ${reaped.map((r) => `${r.service}.${String(r.instance)}`).join(', ')}`);
    return EXIT.ok;
  }
  // The daemon answers before it has stopped; return only once its process is gone (not just its socket, which it
  // closes a moment before it exits), so `down && up -d` is safe and nothing of the stack runs once `down` returns.
  // Without daemon.json (a daemon from before it was written), or for a daemon in this very process (tests), its
  // socket going quiet is the sign.
  if (daemonPid !== null && daemonPid !== process.pid) await waitForProcessExit(daemonPid, 10_000);
  else {
    const deadline = Date.now() + 10_000;
    while ((await callApi(paths.socket, 'GET', '/v1/status', 1000)).ok && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  io.stdout('stack stopped');
  return EXIT.ok;
}

/** The release running now, from the deploy state (none before the first deploy, or when it cannot be read). */
function readDeployed(stateDir: string): { release: string | null; previousRelease: string | null; deployedAt: string | null } {
  try {
    const { release, previousRelease, deployedAt } = readDeployState(deployStatePath(stateDir));
    return { release, previousRelease, deployedAt };
  } catch {
    return { release: null, previousRelease: null, deployedAt: null };
  }
}

export async function runStatus(args: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseOptions('status', args, { ...STACK_OPTIONS, json: { type: 'boolean' } });
  if (!parsed.ok) return usageError(io, parsed.diagnostic);
  if (parsed.values.help === true) return (io.stdout(STATUS_HELP), EXIT.ok);
  const { paths } = findStack(io, parsed.values.file);
  const result = await callApi(paths.socket, 'GET', '/v1/status');
  if (!result.ok) return noDaemon(io, result.error);
  const body = result.body as { instances: InstanceStatus[]; edge?: EdgeStatus | null; jobs?: JobStatus[] };
  const deployed = readDeployed(paths.stateDir);
  const release = deployed.release === null ? '' : `\n\nrelease ${deployed.release}, deployed ${deployed.deployedAt ?? '?'}${deployed.previousRelease === null ? '' : ` (before it: ${deployed.previousRelease}; \`berth rollback\` goes back)`}`;
  io.stdout(parsed.values.json === true ? JSON.stringify({ ...body, release: deployed }, null, 2) : `${formatStackStatus(body.instances, body.jobs ?? [], body.edge ?? null, Date.now())}${release}`);
  return EXIT.ok;
}

export async function runWait(args: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseOptions('wait', args, { ...STACK_OPTIONS, timeout: { type: 'string' } });
  if (!parsed.ok) return usageError(io, parsed.diagnostic);
  if (parsed.values.help === true) return (io.stdout(WAIT_HELP), EXIT.ok);
  const timeout = parseDuration(typeof parsed.values.timeout === 'string' ? parsed.values.timeout : '60s');
  if (timeout === undefined) return (io.stderr('berth wait: --timeout takes a duration such as 30s'), EXIT.badInput);
  const { paths } = findStack(io, parsed.values.file);
  const result = await callApi(paths.socket, 'GET', `/v1/wait?timeout=${String(timeout)}`, timeout + 5000);
  if (!result.ok) return noDaemon(io, result.error);
  const body = result.body as { ok: boolean; failing?: InstanceStatus[] };
  if (body.ok) return (io.stdout('every service is ready'), EXIT.ok);
  io.stderr(`not ready:\n${formatStatusTable(body.failing ?? [], Date.now())}`);
  return EXIT.failed;
}

/** `berth start|stop|restart SERVICE...`. */
export function createServiceCommand(verb: 'start' | 'stop' | 'restart') {
  return async (args: readonly string[], io: CliIo): Promise<number> => {
    const parsed = parseOptions(verb, args, STACK_OPTIONS);
    if (!parsed.ok) return usageError(io, parsed.diagnostic);
    if (parsed.values.help === true || parsed.positionals.length === 0) return (io.stdout(SERVICE_HELP(verb)), parsed.values.help === true ? EXIT.ok : EXIT.badInput);
    const { paths } = findStack(io, parsed.values.file);
    for (const name of parsed.positionals) {
      const result = await callApi(paths.socket, 'POST', `/v1/services/${encodeURIComponent(name)}/${verb}`);
      if (!result.ok) return noDaemon(io, result.error);
      if (result.status !== 200) return printApiError(io, verb, result.body);
      const body = result.body as { strategy?: string; drained?: { forced: boolean; webSocketsClosed: number; requestsLeft: number } };
      const how = body.drained === undefined ? '' : ` (blue-green: old instances drained${body.drained.forced ? ` at the deadline, ${String(body.drained.webSocketsClosed)} WebSocket(s) closed` : ''})`;
      io.stdout(`${name}: ${verb === 'stop' ? 'stopped' : verb === 'start' ? 'starting' : 'restarted'}${how}`);
    }
    return EXIT.ok;
  };
}
