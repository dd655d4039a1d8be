// The edge part of `berth status`: where it listens, and one row a route with its counters.
import { formatTable } from './format-table.js';
import type { EdgeStatus } from '../daemon/edge-controller.js';
import { formatCerts } from './format-certs.js';

/** Renders the edge block, or '' when the stack has no edge. */
export function formatEdgeStatus(edge: EdgeStatus | null): string {
  if (edge === null) return '';
  const where = `${edge.address}:${String(edge.port)}`;
  const https = edge.httpsPort === null ? '' : ` and HTTPS ${String(edge.httpsPort)}`;
  const head = edge.phase === 'listening'
    ? `edge: listening on ${where}${https}, ${String(edge.workers)} worker(s), pid ${String(edge.pid)}`
    : `edge: ${edge.phase} (${where})${edge.error === null ? '' : `: ${edge.error}`}`;
  const header = ['ROUTE', 'HOST', 'PATH', 'TO', 'REQUESTS', '2XX', '4XX', '5XX'];
  const rows = edge.routes.map((r) => [
    r.id, r.host ?? '*', r.path,
    r.target === 'service' ? `${r.service} (${String(r.upstreams)} ready)` : r.target === 'static' ? `${r.service} (static)` : `${r.service} (maintenance)`,
    String(r.counters?.requests ?? 0), String(r.counters?.status2xx ?? 0), String(r.counters?.status4xx ?? 0), String(r.counters?.status5xx ?? 0),
  ]);
  const table = formatTable(header, rows);
  const certs = formatCerts(edge.certs, Date.now());
  return [head, ...table, ...(certs === '' ? [] : ['', certs])].join('\n');
}
