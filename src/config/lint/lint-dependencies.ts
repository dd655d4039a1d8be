// Lint rules on the dependency graph: unknown targets, cycles, conditions a target can never meet.
import { createDiagnostic, type Diagnostic } from '../../errors/diagnostic.js';
import { findClosest } from '../../shared/suggest.js';
import { at, dependsOnPath, type LintContext } from './lint-context.js';

/** `depends_on` naming a service that does not exist (services and jobs). */
export function lintUnknownDependencies(context: LintContext): Diagnostic[] {
  const names = Object.keys(context.stack.services);
  const out: Diagnostic[] = [];
  const check = (owner: 'services' | 'jobs', name: string, targets: readonly string[]) => {
    for (const target of targets) {
      if (Object.hasOwn(context.stack.services, target)) continue;
      const others = names.filter((n) => n !== name);
      const closest = findClosest(target, others);
      const suggestion = closest !== undefined ? `did you mean \`${closest}\`?` : `define a service named \`${target}\` under \`services:\`, or remove it from \`depends_on\`${others.length === 0 ? '' : ` (services here: ${others.slice(0, 8).join(', ')})`}`;
      out.push(createDiagnostic('BERTH_E_DEP_UNKNOWN', { ...at(context, dependsOnPath(context, owner, name, target)), service: name, params: { owner: owner === 'jobs' ? `job ${name}` : `service ${name}`, target, suggestion }, expected: 'the name of a service in this file', found: `\`${target}\`` }));
    }
  };
  for (const service of Object.values(context.stack.services)) check('services', service.name, Object.keys(service.depends_on));
  for (const job of Object.values(context.stack.jobs)) check('jobs', job.name, job.depends_on);
  return out;
}

/** Dependency cycles, each reported once with the whole cycle. */
export function lintDependencyCycles(context: LintContext): Diagnostic[] {
  const services = context.stack.services;
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  const visit = (name: string): void => {
    state.set(name, 'visiting');
    stack.push(name);
    for (const target of Object.keys(services[name]?.depends_on ?? {})) {
      if (!Object.hasOwn(services, target)) continue;
      if (state.get(target) === 'visiting') {
        const cycle = stack.slice(stack.indexOf(target));
        const key = [...cycle].sort().join(',');
        if (!seen.has(key)) {
          seen.add(key);
          const printed = [...cycle, target].join(' → ');
          out.push(createDiagnostic('BERTH_E_DEP_CYCLE', { ...at(context, dependsOnPath(context, 'services', name, target)), service: name, params: { cycle: printed }, expected: 'dependencies that end somewhere', found: printed }));
        }
      } else if (state.get(target) === undefined) {
        visit(target);
      }
    }
    stack.pop();
    state.set(name, 'done');
  };
  for (const name of Object.keys(services)) if (state.get(name) === undefined) visit(name);
  return out;
}

/** `completed` on a long-running target, `ready` on a target with no way to show readiness. */
export function lintDependencyConditions(context: LintContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const service of Object.values(context.stack.services)) {
    for (const [target, { condition }] of Object.entries(service.depends_on)) {
      // Why hasOwn: `depends_on: [constructor]` must not find Object.prototype's property.
      const dependency = Object.hasOwn(context.stack.services, target) ? context.stack.services[target] : undefined;
      if (dependency === undefined) continue;
      const where = at(context, dependsOnPath(context, 'services', service.name, target));
      if (condition === 'completed' && !dependency.oneshot) {
        out.push(createDiagnostic('BERTH_E_DEP_COMPLETED_LONG_RUNNING', { ...where, service: service.name, params: { service: service.name, target }, expected: `\`${target}\` with \`oneshot: true\``, found: `\`${target}\` is long-running` }));
      }
      if (condition === 'ready' && dependency.ready === null) {
        out.push(createDiagnostic('BERTH_E_DEP_READY_NO_PROBE', { ...where, service: service.name, params: { service: service.name, target }, expected: `\`${target}\` with a \`ready:\` probe, a port or a recipe`, found: `\`${target}\` has none` }));
      }
    }
  }
  return out;
}
