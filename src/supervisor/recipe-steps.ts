// The steps a recipe instance adds to the runner's lifecycle: prepare before the spawn, provision after it (which
// also yields the first readiness evidence), and a clean shutdown before the stop signal.
import { dirname } from 'node:path';
import type { ResolvedService } from '../config/resolved-stack.js';
import { createDiagnostic, type Diagnostic } from '../errors/diagnostic.js';
import type { ProbeResult } from '../health/probe-types.js';
import { loadRecipeDriver } from '../recipes/recipe-registry.js';
import type { RecipeContext, RecipeDriver, RecipeLaunch } from '../recipes/recipe-types.js';

/** A recipe instance: its driver, context and how `prepare` said to run it. */
export interface RecipeRun {
  readonly driver: RecipeDriver;
  readonly context: RecipeContext;
  readonly launch: RecipeLaunch;
}

interface RunnerFacts {
  readonly stackName: string;
  readonly service: ResolvedService;
  readonly runDir: string;
  readonly baseEnv: Readonly<Record<string, string | undefined>>;
  /** The instance's own output lines (not Berth's notes about it). */
  readonly subscribeOutput: (listener: (text: string) => void) => () => void;
}

/** Prepares a recipe instance; null for a service that is not a recipe, a Diagnostic when it cannot start. */
export async function prepareRecipe(facts: RunnerFacts, port: number | null): Promise<RecipeRun | Diagnostic | null> {
  const { service } = facts;
  if (service.kind !== 'recipe' || service.recipe === null) return null;
  const driver = await loadRecipeDriver(service.recipe);
  if (driver === undefined || port === null) return createDiagnostic('BERTH_E_INTERNAL', { service: service.name, params: { reason: `recipe ${service.recipe} cannot run here (${driver === undefined ? 'no driver' : 'no port'})` } });
  const context: RecipeContext = { stackName: facts.stackName, service, stateDir: dirname(facts.runDir), port, baseEnv: facts.baseEnv, subscribeOutput: facts.subscribeOutput };
  const prepared = await driver.prepare(context);
  return prepared.ok ? { driver, context, launch: prepared.value } : prepared.error;
}

export type Provisioned =
  | { readonly evidence: ProbeResult | null }
  | { readonly kind: 'unhealthy'; readonly why: 'start'; readonly output: string; readonly uptimeMs: number }
  | { readonly kind: 'fatal'; readonly error: Diagnostic };

/** Runs the driver's provision step within `limitMs` (the ready probe's start_timeout). A refusal is final; running
 * out of time is an unhealthy start (restarted with backoff). */
export async function provisionRecipe(recipe: RecipeRun, limitMs: number, cancel: AbortSignal): Promise<Provisioned> {
  if (recipe.driver.provision === undefined) return { evidence: null };
  const started = Date.now();
  const abort = new AbortController();
  // The runner stops waiting when the server exits or a stop is asked for; the driver's loop must end then too.
  const onCancel = (): void => {
    abort.abort(new Error('cancelled'));
  };
  cancel.addEventListener('abort', onCancel);
  const timer = setTimeout(() => {
    abort.abort(new Error('start_timeout'));
  }, limitMs);
  try {
    const result = await recipe.driver.provision(recipe.context, recipe.launch, abort.signal);
    if (result.ok) return { evidence: result.value };
    // The code and hint go along: the instance's reason and log are where a person reads why it keeps restarting.
    if (abort.signal.aborted) return { kind: 'unhealthy', why: 'start', output: `${result.error.code}: ${result.error.message} (hint: ${result.error.hint})`, uptimeMs: Date.now() - started };
    return { kind: 'fatal', error: result.error };
  } finally {
    clearTimeout(timer);
    cancel.removeEventListener('abort', onCancel);
  }
}

/** Asks the server to stop cleanly (redis: SHUTDOWN SAVE) before the stop signal, within the stop timeout. */
export async function shutdownRecipe(recipe: RecipeRun, timeoutMs: number): Promise<void> {
  const abort = new AbortController();
  const timer = setTimeout(() => {
    abort.abort(new Error('stop timeout'));
  }, timeoutMs);
  try {
    await recipe.driver.shutdown?.(recipe.context, abort.signal);
  } finally {
    clearTimeout(timer);
  }
}
