// The certificate rows of `berth status` and `berth certs`: host, state, issuer, expiry, next renewal, last error.
import { formatTable } from './format-table.js';
import type { CertStatus } from '../tls/cert-manager.js';

const day = (ms: number | null): string => (ms === null ? '-' : new Date(ms).toISOString().slice(0, 16).replace('T', ' '));

/** Renders one row a certificate; '' when there are none. */
export function formatCerts(certs: readonly CertStatus[], now: number): string {
  if (certs.length === 0) return '';
  const header = ['CERTIFICATE', 'STATE', 'FROM', 'ISSUER', 'EXPIRES', 'RENEWS / RETRY', 'LAST ERROR'];
  const rows = certs.map((c) => {
    const days = c.notAfter === null ? '' : ` (${String(Math.floor((c.notAfter - now) / 86_400_000))} d)`;
    const next = c.source === 'file' ? 'replace the file' : c.failures > 0 ? `retry ${day(c.nextAttemptAt)}` : day(c.renewAt);
    return [c.host, c.state, c.source, c.issuer ?? '-', `${day(c.notAfter)}${days}`, next, (c.lastError ?? '').slice(0, 100)];
  });
  return formatTable(header, rows).join('\n');
}
