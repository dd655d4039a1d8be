// A deploy's progress lines as it runs and its summary table at the end (service, from → to, result, time), green
// for what worked and red for what failed, with the failing step's last log lines below.
import type { DeployMessage } from '../daemon/deploy-controller.js';
import type { SummaryRow } from '../deploy/deploy-history.js';
import type { DeployProgress } from '../deploy/run-deploy.js';
import { formatTable } from './format-table.js';

const GOOD: ReadonlySet<SummaryRow['result']> = new Set(['done', 'reused', 'unchanged', 'stopped']);
const paint = (color: boolean, code: string, text: string): string => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

function resultColor(result: SummaryRow['result']): string {
  if (GOOD.has(result)) return '32';
  return result === 'warning' || result === 'rolled back' ? '33' : '31';
}

/** One line when a step ends (nothing when it begins: the end line says how long it took). */
export function formatDeployStep(progress: DeployProgress, color: boolean): string | null {
  const row = progress.row;
  if (progress.phase === 'begin' || row === undefined) return null;
  const mark = GOOD.has(row.result) ? paint(color, '32', 'ok') : paint(color, resultColor(row.result), row.result);
  return `  ${mark}  ${row.item} (${seconds(row.ms)})${row.detail === undefined ? '' : `: ${row.detail}`}`;
}

/** The table and the closing line. */
export function formatDeploySummary(done: Extract<DeployMessage, { type: 'done' }>, color: boolean): string {
  if (done.outcome === 'unchanged' || done.run === null) return `Nothing to do: ${done.reason ?? 'nothing changed'} (${seconds(done.ms)}).`;
  const rows = done.run.rows.map((r) => [r.item, r.from === null && r.to === null ? '' : `${r.from ?? '-'} → ${r.to ?? '-'}`, r.result, seconds(r.ms)]);
  const lines = formatTable(['STEP', 'FROM → TO', 'RESULT', 'TIME'], rows, { paint: (row, column, cell) => {
    const result = done.run?.rows[row]?.result;
    return column === 2 && result !== undefined ? paint(color, resultColor(result), cell) : cell;
  } });
  const ok = done.outcome === 'succeeded';
  const closing = ok
    ? paint(color, '32', `Deployed release ${done.release ?? '?'} in ${seconds(done.ms)}.`)
    : paint(color, '31', `Not deployed (${done.outcome.replace('_', ' ')}): ${done.reason ?? ''}. The previous version keeps serving.`);
  const logs = done.run.logs.length === 0 ? [] : ['', 'Last log lines of the failing step:', ...done.run.logs.map((line) => `  ${line}`)];
  return ['', ...lines, ...logs, '', closing].join('\n');
}
