// The recipes Berth knows, and the probe checks they bring (registered once, before any probe runs).
import { registerProbeCheck } from '../health/probe-registry.js';
import { checkPostgres } from './postgres-check.js';
import { postgresRecipe } from './postgres-recipe.js';
import { checkRedis } from './redis-check.js';
import { redisRecipe } from './redis-recipe.js';
import type { RecipeDriver } from './recipe-types.js';

const DRIVERS: Readonly<Record<string, RecipeDriver>> = {
  postgres: postgresRecipe,
  redis: redisRecipe,
};

let registered = false;

/** The driver of a recipe, or undefined for a recipe this build does not know. */
export function getRecipeDriver(recipe: string): RecipeDriver | undefined {
  registerRecipeChecks();
  return Object.hasOwn(DRIVERS, recipe) ? DRIVERS[recipe] : undefined;
}

/** Registers the recipes' probe checks (postgres: SELECT 1); idempotent. */
export function registerRecipeChecks(): void {
  if (registered) return;
  registered = true;
  registerProbeCheck('postgres', checkPostgres);
  registerProbeCheck('redis', checkRedis);
}
