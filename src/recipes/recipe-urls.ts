// The connection URLs recipes give dependents (`${services.NAME.url}`) and the postgres role's password. Kept apart
// from the drivers so the supervisor can answer a URL without loading a database client library.
import { postgresSecretNames } from './postgres-paths.js';
import { readOrCreateSecret } from './recipe-secrets.js';
import type { RecipeContext } from './recipe-types.js';

/** The password of the postgres role: `password:` from the stack, else one made once and kept under .berth/secrets. */
export function postgresRolePassword(context: Pick<RecipeContext, 'service' | 'stateDir'>): string {
  return context.service.password ?? readOrCreateSecret(context.stateDir, postgresSecretNames(context.service.name).role);
}

/** `postgres://ROLE:PASSWORD@127.0.0.1:PORT/DATABASE`. */
export function postgresUrl(context: Pick<RecipeContext, 'service' | 'stateDir' | 'port'>): string {
  const { service } = context;
  const user = encodeURIComponent(service.user ?? 'postgres');
  return `postgres://${user}:${encodeURIComponent(postgresRolePassword(context))}@127.0.0.1:${String(context.port)}/${encodeURIComponent(service.database ?? 'postgres')}`;
}

/** `redis://127.0.0.1:PORT`, with `:PASSWORD@` when the stack sets one. */
export function redisUrl(context: Pick<RecipeContext, 'service' | 'port'>): string {
  const { password } = context.service;
  const auth = password === null ? '' : `:${encodeURIComponent(password)}@`;
  return `redis://${auth}127.0.0.1:${String(context.port)}`;
}

/** The URL of a recipe service, or undefined for an unknown recipe. */
export function recipeUrl(context: Pick<RecipeContext, 'service' | 'stateDir' | 'port'>): string | undefined {
  if (context.service.recipe === 'postgres') return postgresUrl(context);
  if (context.service.recipe === 'redis') return redisUrl(context);
  return undefined;
}
