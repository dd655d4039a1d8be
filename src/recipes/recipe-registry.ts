// The recipes Berth knows, and the probe checks they bring. Drivers and checks are imported on first use: a stack
// without a database never loads a database client (pg and redis together are ~16 MB of a daemon's memory).
import type { ProbeCheck } from '../health/probe-types.js';
import { registerProbeCheck } from '../health/probe-registry.js';
import type { RecipeDriver } from './recipe-types.js';

const LOADERS: Readonly<Record<string, () => Promise<RecipeDriver>>> = {
  postgres: async () => (await import('./postgres-recipe.js')).postgresRecipe,
  redis: async () => (await import('./redis-recipe.js')).redisRecipe,
};

let registered = false;

/** The driver of a recipe, loaded on first use; undefined for a recipe this build does not know. */
export async function loadRecipeDriver(recipe: string): Promise<RecipeDriver | undefined> {
  registerRecipeChecks();
  return Object.hasOwn(LOADERS, recipe) ? await LOADERS[recipe]?.() : undefined;
}

/** A check that imports its module on its first run. */
function lazyCheck(load: () => Promise<ProbeCheck>): ProbeCheck {
  let check: Promise<ProbeCheck> | undefined;
  return async (probe, target, signal) => (await (check ??= load()))(probe, target, signal);
}

/** Registers the recipes' probe checks (postgres: SELECT 1, redis: PING); idempotent. */
export function registerRecipeChecks(): void {
  if (registered) return;
  registered = true;
  registerProbeCheck('postgres', lazyCheck(async () => (await import('./postgres-check.js')).checkPostgres));
  registerProbeCheck('redis', lazyCheck(async () => (await import('./redis-check.js')).checkRedis));
}
