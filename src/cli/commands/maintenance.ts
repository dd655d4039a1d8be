// `berth maintenance on|off [SERVICE...]`: the edge answers a service's routes with 503 and a plain page.
import type { EdgeStatus } from '../../daemon/edge-controller.js';
import { callApi } from '../../client/api-client.js';
import { createDiagnostic } from '../../errors/diagnostic.js';
import { EXIT, type CliIo } from '../io.js';
import { parseOptions } from '../parse-options.js';
import { printApiError, printNoDaemon } from '../print-api-error.js';
import { usageError } from '../print-diagnostics.js';
import { findStack, STACK_OPTIONS } from '../stack-target.js';

export const MAINTENANCE_HELP = `Usage: berth maintenance on|off [SERVICE...] [--file FILE]

Puts routed services (all of them when none is named) in maintenance: the edge answers their routes
with 503 and a plain "down for maintenance" page, without touching the services themselves. Kept
across daemon restarts until \`berth maintenance off\`. \`berth maintenance\` alone shows who is in it.`;

export async function runMaintenance(args: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseOptions('maintenance', args, STACK_OPTIONS);
  if (!parsed.ok) return usageError(io, parsed.diagnostic);
  if (parsed.values.help === true) return (io.stdout(MAINTENANCE_HELP), EXIT.ok);
  const [mode, ...services] = parsed.positionals;
  if (mode !== undefined && mode !== 'on' && mode !== 'off') {
    return usageError(io, createDiagnostic('BERTH_E_USAGE', { params: { command: 'maintenance', reason: `expected \`on\` or \`off\`, found \`${mode}\`` } }));
  }
  const { paths } = findStack(io, parsed.values.file);
  if (mode === undefined) {
    const result = await callApi(paths.socket, 'GET', '/v1/status');
    if (!result.ok) return printNoDaemon(io, result.error);
    const edge = (result.body as { edge?: EdgeStatus | null }).edge ?? null;
    io.stdout(edge === null ? 'nothing is routed in this stack' : edge.maintenance.length === 0 ? 'no service is in maintenance' : `in maintenance: ${edge.maintenance.join(', ')}`);
    return EXIT.ok;
  }
  const query = [`on=${mode === 'on' ? '1' : '0'}`, ...services.map((name) => `service=${encodeURIComponent(name)}`)].join('&');
  const result = await callApi(paths.socket, 'POST', `/v1/maintenance?${query}`);
  if (!result.ok) return printNoDaemon(io, result.error);
  if (result.status !== 200) return printApiError(io, 'maintenance', result.body);
  const now = (result.body as { maintenance: string[] }).maintenance;
  io.stdout(now.length === 0 ? 'no service is in maintenance' : `in maintenance: ${now.join(', ')}`);
  return EXIT.ok;
}
