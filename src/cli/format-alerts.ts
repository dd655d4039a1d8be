// The text of `berth alerts` and `berth alerts test`.
import type { ChannelResult } from '../alerts/alert-types.js';
import { formatAgo, formatUtc } from '../alerts/format-alert.js';
import type { AlertOverview } from '../daemon/alert-controller.js';

/** One line a channel: id, ok or FAILED, time taken, the error. */
export function formatTestResults(results: readonly ChannelResult[]): string {
  const width = Math.max(7, ...results.map((result) => result.channel.length));
  return results.map((result) => `${result.channel.padEnd(width)}  ${result.ok ? 'ok    ' : 'FAILED'}  ${String(result.ms).padStart(5)} ms${result.error === undefined ? '' : `  ${result.error}`}`).join('\n');
}

/** Channels, open incidents, the queue and the recent messages. */
export function formatAlertOverview(overview: AlertOverview, now: number): string {
  const lines = [`channels: ${overview.channels.length === 0 ? 'none' : overview.channels.join(', ')}`, ''];
  lines.push(overview.incidents.length === 0 ? 'open incidents: none' : 'open incidents:');
  for (const incident of overview.incidents) lines.push(`  ${incident.key}  since ${formatUtc(incident.since)} (${formatAgo(now - incident.since)})  ${incident.what}`);
  lines.push('', `queue: ${String(overview.pending)} pending`);
  if (overview.recent.length > 0) lines.push('', 'recent messages (newest first):');
  for (const row of overview.recent) {
    const state = row.state === 'pending' ? `pending (${String(row.attempts)} tries, next in ${formatAgo(Math.max(0, row.nextAt - now))})` : row.state;
    const to = row.delivered.length === 0 ? '' : ` -> ${row.delivered.join(', ')}`;
    const error = row.lastError === null || row.state === 'sent' ? '' : `  last error: ${row.lastError}`;
    lines.push(`  ${formatUtc(row.createdAt)}  ${row.message.state.padEnd(8)}  ${row.message.title}  [${state}${to}]${error}`);
  }
  return lines.join('\n');
}
