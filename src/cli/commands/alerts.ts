// `berth alerts [--json]`: channels, open incidents, the queue and recent messages; `berth alerts test`: a test
// message through every channel, each result (exit 1 when one failed). From the running daemon; without one, the
// queue is read from .berth/state.db and the test is sent from here.
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { IncidentBook } from '../../alerts/alert-incidents.js';
import { AlertQueue } from '../../alerts/alert-queue.js';
import { listChannels, type ChannelResult } from '../../alerts/alert-types.js';
import { testChannels } from '../../alerts/test-channels.js';
import { callApi } from '../../client/api-client.js';
import type { AlertOverview } from '../../daemon/alert-controller.js';
import { createDiagnostic } from '../../errors/diagnostic.js';
import { openStateDb, stateDbPath } from '../../state/open-state-db.js';
import { formatAlertOverview, formatTestResults } from '../format-alerts.js';
import { EXIT, type CliIo } from '../io.js';
import { loadForCli } from '../load-for-cli.js';
import { parseOptions } from '../parse-options.js';
import { printApiError } from '../print-api-error.js';
import { printDiagnostics, usageError } from '../print-diagnostics.js';
import { findStack, STACK_OPTIONS } from '../stack-target.js';

export const ALERTS_HELP = `Usage: berth alerts [--json] [-n N] [--file FILE]
       berth alerts test [--json] [--file FILE]

Lists the alert channels, the incidents that are open (one message when an incident begins, one when it is
resolved), how many messages wait in the queue, and the recent messages with where they went.
\`test\` sends a test message through every channel (each one, not only the first that works) and prints each
result; it exits 1 when a channel failed. Both ask the running daemon; without one, \`alerts\` reads
.berth/state.db and \`test\` sends from this command.
  -n N     recent messages to show (default 20)
  --json   the answer as JSON`;

export async function runAlerts(args: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseOptions('alerts', args, { ...STACK_OPTIONS, json: { type: 'boolean' }, n: { type: 'string', short: 'n' } });
  if (!parsed.ok) return usageError(io, parsed.diagnostic);
  if (parsed.values.help === true) return (io.stdout(ALERTS_HELP), EXIT.ok);
  const [verb, ...rest] = parsed.positionals;
  if ((verb !== undefined && verb !== 'test') || rest.length > 0) {
    return usageError(io, createDiagnostic('BERTH_E_USAGE', { params: { command: 'alerts', reason: `expected \`berth alerts\` or \`berth alerts test\`, found \`${parsed.positionals.join(' ')}\`` } }));
  }
  const count = parsed.values.n === undefined ? 20 : Number(parsed.values.n);
  if (!Number.isInteger(count) || count < 0) return (io.stderr('berth alerts: -n takes a whole number'), EXIT.badInput);
  const json = parsed.values.json === true;
  const environment = typeof parsed.values.env === 'string' ? parsed.values.env : undefined;
  const { file, paths } = findStack(io, parsed.values.file);
  if (verb === 'test') {
    const answer = await callApi(paths.socket, 'POST', '/v1/alerts/test', 120_000);
    let results: ChannelResult[];
    if (answer.ok) {
      if (answer.status !== 200) return printApiError(io, 'alerts test', answer.body);
      results = (answer.body as { results: ChannelResult[] }).results;
    } else {
      const loaded = loadForCli(io, file, environment);
      if (!loaded.ok) return (printDiagnostics(io, loaded.diagnostics, loaded.context.sources), EXIT.badInput);
      if (loaded.stack.alerts.channels.length === 0) return printNone(io, file);
      results = await testChannels(loaded.stack, { stack: loaded.stack.name, host: hostname() }, io.env);
    }
    io.stdout(json ? JSON.stringify(results, null, 2) : formatTestResults(results));
    const failed = results.filter((result) => !result.ok).length;
    if (failed === 0) return EXIT.ok;
    const { message, hint } = createDiagnostic('BERTH_E_ALERT_TEST_FAILED', { params: { failed: String(failed), total: String(results.length) } });
    io.stderr(`berth alerts test: BERTH_E_ALERT_TEST_FAILED: ${message}\n  hint: ${hint}`);
    return EXIT.failed;
  }
  const answer = await callApi(paths.socket, 'GET', `/v1/alerts?limit=${String(count)}`, 30_000);
  let overview: AlertOverview;
  if (answer.ok) {
    if (answer.status !== 200) return printApiError(io, 'alerts', answer.body);
    overview = answer.body as AlertOverview;
  } else {
    const loaded = loadForCli(io, file, environment);
    const channels = loaded.ok ? listChannels(loaded.stack.alerts.channels).map((channel) => channel.id) : [];
    const read = readOffline(paths.stateDir, count);
    if (!read.ok) return (io.stderr(`berth alerts: ${read.message}`), EXIT.failed);
    overview = { ...read.overview, channels };
  }
  io.stdout(json ? JSON.stringify(overview, null, 2) : formatAlertOverview(overview, Date.now()));
  return EXIT.ok;
}

function printNone(io: CliIo, file: string): number {
  const { message, hint } = createDiagnostic('BERTH_E_ALERT_NONE', { params: { file } });
  io.stderr(`berth alerts test: BERTH_E_ALERT_NONE: ${message}\n  hint: ${hint}`);
  return EXIT.badInput;
}

// Without a daemon: the file itself, never created here.
function readOffline(stateDir: string, limit: number): { ok: true; overview: Omit<AlertOverview, 'channels'> } | { ok: false; message: string } {
  const file = stateDbPath(stateDir);
  if (!existsSync(file)) return { ok: true, overview: { pending: 0, incidents: [], recent: [] } };
  try {
    const db = openStateDb(file, { create: false });
    try {
      const queue = new AlertQueue(db);
      const incidents = new IncidentBook(db).open().map((incident) => ({ key: incident.key, service: incident.service, since: incident.openedAt, what: incident.what, events: incident.count }));
      return { ok: true, overview: { pending: queue.pending(), incidents, recent: queue.list(limit) } };
    } finally {
      db.close();
    }
  } catch (error) {
    return { ok: false, message: `could not read ${file}: ${error instanceof Error ? error.message : String(error)}` };
  }
}
