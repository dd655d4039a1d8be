// `berth deploy --plan`: the plan as tables a person reads before shipping.
import type { DeployPlan, DeployStep, JobAction, ServiceAction } from '../deploy/plan-deploy.js';
import { formatTable } from './format-table.js';

const COLORS: Readonly<Record<ServiceAction | JobAction, string>> = { unchanged: '2', start: '32', 'blue-green': '36', overlap: '36', replace: '33', stop: '31', added: '32', changed: '36', removed: '31' };

function describeStep(step: DeployStep): string {
  switch (step.kind) {
    case 'lock': return 'take the deploy lock';
    case 'snapshot': return `snapshot ${step.ref === null ? 'the working tree' : `git ref ${step.ref}`} into a new release`;
    case 'build': return `build ${step.service}`;
    case 'reuse-build': return `reuse the build of ${step.service} from release ${step.from}`;
    case 'hook': return step.phase === 'pre' ? `run deploy.hooks.pre[${String(step.index)}] (abort on failure)` : `run deploy.hooks.post[${String(step.index)}] (a failure is a warning)`;
    case 'backup': return `back up ${step.service} (abort on failure)`;
    case 'release': return `run the release command of ${step.service} with the new code and env (abort on failure)`;
    case 'deploy': return `${step.action} ${step.service}`;
    case 'stop': return `stop ${step.service}`;
    case 'jobs': return `point the jobs at the new stack (${step.summary}); a rollback points them back`;
    case 'verify': return `verify for ${step.window}: ${step.services.join(', ')} stay healthy, else roll back`;
    case 'record': return 'record the release and the deploy';
  }
}

/** Renders the plan; `color` adds ANSI colours to the action column. */
export function formatDeployPlan(plan: DeployPlan, options: { readonly color: boolean; readonly previousRelease: string | null }): string {
  const paint = (action: ServiceAction | JobAction, text: string): string => (options.color ? `\u001b[${COLORS[action]}m${text}\u001b[0m` : text);
  const source = plan.ref === null ? 'the working tree' : `git ref ${plan.ref}`;
  const lines = [`Deploy plan for ${source} (${options.previousRelease === null ? 'first deploy' : `deployed now: release ${options.previousRelease}`})`, ''];
  const rows = plan.services.map((s) => [s.service, s.action, s.from ?? '-', s.reasons.join(', ')]);
  lines.push(...formatTable(['SERVICE', 'ACTION', 'FROM RELEASE', 'WHY'], rows, { paint: (row, column, cell) => {
    const action = plan.services[row]?.action;
    return column === 1 && action !== undefined ? paint(action, cell) : cell;
  } }));
  if (plan.jobs.length > 0) {
    lines.push('');
    lines.push(...formatTable(['JOB', 'ACTION', 'FROM RELEASE', 'WHY'], plan.jobs.map((j) => [j.job, j.action, j.from ?? '-', j.reasons.join(', ')]), { paint: (row, column, cell) => {
      const action = plan.jobs[row]?.action;
      return column === 1 && action !== undefined ? paint(action, cell) : cell;
    } }));
  }
  if (!plan.changed) return [...lines, '', plan.summary.charAt(0).toUpperCase() + plan.summary.slice(1)].join('\n');

  const hows = new Map(plan.services.filter((s) => s.how !== '').map((s) => [s.action, s.how]));
  if (hows.size > 0) lines.push('', ...[...hows].map(([action, how]) => `  ${action}: ${how}`));
  if (plan.builds.length > 0) {
    lines.push('', 'Builds:');
    lines.push(...formatTable(['SERVICE', 'BUILD', 'WHY'], plan.builds.map((b) => [b.service, b.run ? 'runs' : `reused from ${b.reuseFrom ?? '-'}`, b.reason]), { indent: '  ' }));
  }
  lines.push('', `Release step: ${plan.release.runs ? 'runs' : 'does not run'} (${plan.release.reason})`);
  lines.push(`Backups first: ${plan.backups.length === 0 ? 'none' : plan.backups.map((b) => `${b.service} (${b.reason})`).join(', ')}`);
  lines.push('', 'Steps:', ...plan.steps.map((step, i) => `  ${String(i + 1).padStart(2)}. ${describeStep(step)}`));
  lines.push('', `Summary: ${plan.summary}`);
  return lines.join('\n');
}
