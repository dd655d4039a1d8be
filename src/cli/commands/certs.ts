// `berth certs [--json]` and `berth certs renew HOST`: the edge's certificates, from the running daemon.
import { callApi } from '../../client/api-client.js';
import { createDiagnostic } from '../../errors/diagnostic.js';
import type { CertStatus } from '../../tls/cert-manager.js';
import { formatCerts } from '../format-certs.js';
import { EXIT, type CliIo } from '../io.js';
import { parseOptions, parseVerbArgument } from '../parse-options.js';
import { printApiError, printNoDaemon } from '../print-api-error.js';
import { usageError } from '../print-diagnostics.js';
import { findStack, STACK_OPTIONS } from '../stack-target.js';

export const CERTS_HELP = `Usage: berth certs [--json] [--file FILE]
       berth certs renew HOST [--file FILE]

Lists the edge's certificates: host, state, where it comes from (ACME or a file), issuer, expiry,
when Berth renews it (at two thirds of its lifetime) or retries after a failure, and the last error.
\`renew HOST\` asks the CA for a new certificate now and waits for the answer; the old one is served
until the new one is in.`;

export async function runCerts(args: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseOptions('certs', args, { ...STACK_OPTIONS, json: { type: 'boolean' } });
  if (!parsed.ok) return usageError(io, parsed.diagnostic);
  if (parsed.values.help === true) return (io.stdout(CERTS_HELP), EXIT.ok);
  const renew = parseVerbArgument('certs', parsed.positionals, 'renew', 'HOST');
  if (!renew.ok) return usageError(io, renew.diagnostic);
  const host = renew.argument;
  const { paths } = findStack(io, parsed.values.file);
  if (host !== undefined) {
    const result = await callApi(paths.socket, 'POST', `/v1/certs/renew?host=${encodeURIComponent(host)}`, 15 * 60_000);
    if (!result.ok) return printNoDaemon(io, result.error);
    if (result.status === 404) return printApiError(io, 'certs renew', result.body);
    const cert = (result.body as { cert: CertStatus }).cert;
    if (parsed.values.json === true) io.stdout(JSON.stringify(cert, null, 2));
    else io.stdout(formatCerts([cert], Date.now()));
    if (result.status === 200) return EXIT.ok;
    const { message, hint } = createDiagnostic('BERTH_E_CERT_FAILED', { params: { host, reason: cert.lastError ?? 'unknown', retry: cert.nextAttemptAt === null ? '-' : new Date(cert.nextAttemptAt).toISOString() } });
    io.stderr(`berth certs renew: BERTH_E_CERT_FAILED: ${message}\n  hint: ${hint}`);
    return EXIT.failed;
  }
  const result = await callApi(paths.socket, 'GET', '/v1/certs');
  if (!result.ok) return printNoDaemon(io, result.error);
  const certs = (result.body as { certs: CertStatus[] }).certs;
  io.stdout(parsed.values.json === true ? JSON.stringify(certs, null, 2) : certs.length === 0 ? 'no certificates: TLS is off (`edge.tls`)' : formatCerts(certs, Date.now()));
  return EXIT.ok;
}
