// Pieces every recipe's `prepare` uses: catalogued failures for the service, its private data folder, and the
// small environment a server runs with.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ResolvedService } from '../config/resolved-stack.js';
import type { ErrorCode } from '../errors/catalog.js';
import { createDiagnostic } from '../errors/diagnostic.js';
import { recipeFailure, type RecipeOutcome } from './recipe-types.js';

export type RecipeFailer = <T>(code: ErrorCode, params: Record<string, string>, expected?: string, found?: string) => RecipeOutcome<T>;

/** Makes failures that name the service and recipe (`{service}`, `{recipe}` in the catalog's templates). */
export function createRecipeFailer(service: ResolvedService, recipe: string): RecipeFailer {
  return (code, params, expected, found) => recipeFailure(createDiagnostic(code, {
    service: service.name,
    params: { service: `\`${service.name}\``, recipe, ...params },
    ...(expected === undefined ? {} : { expected }),
    ...(found === undefined ? {} : { found }),
  }));
}

/** The failure for a recipe without `data:` (lint refuses it; a hand-built stack could still get here). */
export function failWithoutData<T>(fail: RecipeFailer): RecipeOutcome<T> {
  return fail('BERTH_E_RECIPE_START', { reason: 'it has no `data:` folder', advice: 'add `data: ./data/NAME` to the service' });
}

/** Creates a data folder 0700, its parents with the usual mode: a 0700 parent would lock out a server that runs as
 * another user (PostgreSQL under root). */
export function createDataFolder(dir: string): void {
  mkdirSync(dirname(dir), { recursive: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}

/** The environment a server runs with: PATH, and a UTF-8 locale for its messages. */
export function buildServerEnv(baseEnv: Readonly<Record<string, string | undefined>>): Record<string, string> {
  return { PATH: baseEnv.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8' };
}
