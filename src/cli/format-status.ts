// The `berth status` table: one row an instance.
import { formatTable } from './format-table.js';
import type { InstanceStatus } from '../supervisor/supervisor-types.js';

/** Whole seconds as `42s`, `3m5s` or `2h7m` (uptimes here, ages and waits in the jobs table). */
export function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${String(seconds)}s`;
  if (seconds < 3600) return `${String(Math.floor(seconds / 60))}m${String(seconds % 60)}s`;
  return `${String(Math.floor(seconds / 3600))}h${String(Math.floor((seconds % 3600) / 60))}m`;
}

function formatUptime(startedAt: number | null, now: number): string {
  return startedAt === null ? '-' : formatSeconds(Math.max(0, Math.floor((now - startedAt) / 1000)));
}

/** Renders the status table; `now` is passed in so tests are stable. */
export function formatStatusTable(instances: readonly InstanceStatus[], now: number): string {
  const header = ['SERVICE', 'STATE', 'PID', 'UPTIME', 'RESTARTS', 'READY', 'PORT', 'LAST PROBE / REASON'];
  const rows = instances.map((s) => [
    `${s.service}.${String(s.instance)}`,
    s.crashLoop ? `${s.phase} (crash loop)` : s.phase,
    s.pid === null ? '-' : String(s.pid),
    formatUptime(s.phase === 'running' || s.phase === 'starting' ? s.startedAt : null, now),
    String(s.restarts),
    s.ready === null ? '-' : s.ready ? 'yes' : 'no',
    s.port === null ? '-' : String(s.port),
    s.reason ?? (s.lastProbe === null ? '' : `${s.lastProbe.phase} ${s.lastProbe.ok ? 'ok' : 'failing'}: ${s.lastProbe.output}`.slice(0, 80)),
  ]);
  return formatTable(header, rows).join('\n');
}
