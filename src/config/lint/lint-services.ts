// Lint rules on single services: singleton contradictions, recipes without a data folder, a job named like a service.
import { createDiagnostic, type Diagnostic } from '../../errors/diagnostic.js';
import { at, rawAt, type LintContext } from './lint-context.js';

/** `singleton` with `replicas > 1`, or with a strategy that runs two instances. */
export function lintSingletons(context: LintContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const service of Object.values(context.stack.services)) {
    if (!service.singleton) continue;
    if (service.replicas > 1) {
      out.push(createDiagnostic('BERTH_E_SINGLETON_REPLICAS', { ...at(context, ['services', service.name, 'replicas']), service: service.name, params: { service: service.name, replicas: service.replicas }, expected: 'replicas: 1', found: `replicas: ${String(service.replicas)}` }));
    }
    if (service.deploy.strategy !== 'replace' && rawAt(context.raw, ['services', service.name, 'deploy', 'strategy']) !== undefined) {
      out.push(createDiagnostic('BERTH_E_SINGLETON_STRATEGY', { ...at(context, ['services', service.name, 'deploy', 'strategy']), service: service.name, params: { service: service.name, strategy: `\`${service.deploy.strategy}\`` }, expected: '`replace`', found: `\`${service.deploy.strategy}\`` }));
    }
  }
  return out;
}

/** A recipe service without `data:`. */
export function lintRecipeData(context: LintContext): Diagnostic[] {
  return Object.values(context.stack.services)
    .filter((s) => s.recipe !== null && s.data === null)
    .map((s) => createDiagnostic('BERTH_E_RECIPE_NO_DATA', { ...at(context, ['services', s.name, 'recipe']), service: s.name, params: { service: s.name, recipe: s.recipe ?? '' }, expected: '`data: ./data/...`', found: 'no `data`' }));
}

/** A postgres data folder made by another major version than the server that would run it. */
export function lintPostgresVersion(context: LintContext): Diagnostic[] {
  const check = context.findPostgresDrift;
  if (check === undefined) return [];
  return Object.values(context.stack.services).flatMap((s) => {
    if (s.recipe !== 'postgres' || s.data === null) return [];
    const drift = check(s.data, s.bin_dir);
    if (drift === undefined) return [];
    const { binaries } = drift;
    return [createDiagnostic('BERTH_E_RECIPE_VERSION_MISMATCH', { ...at(context, ['services', s.name, 'data']), service: s.name, params: { dir: s.data, service: `\`${s.name}\``, data: String(drift.dataMajor), binaries: binaries.version, bin_dir: binaries.binDir }, expected: `PostgreSQL ${String(drift.dataMajor)} binaries`, found: `PostgreSQL ${binaries.version} in ${binaries.binDir}` })];
  });
}

/** A job with a service's name: their events, alerts and `berth logs NAME` would be one. */
export function lintJobNames(context: LintContext): Diagnostic[] {
  return Object.values(context.stack.jobs)
    .filter((job) => Object.hasOwn(context.stack.services, job.name))
    .map((job) => createDiagnostic('BERTH_E_JOB_NAME_TAKEN', { ...at(context, ['jobs', job.name], 'key'), service: job.name, params: { job: job.name }, expected: 'a name no service has', found: `\`${job.name}\`, also under \`services:\`` }));
}
