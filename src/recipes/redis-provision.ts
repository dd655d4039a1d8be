// After `redis-server` starts: wait until it answers PING with the recipe's password. A refused login is final
// (a wrong password will not fix itself); anything else (refused connection, LOADING) means "not yet".
import { createDiagnostic } from '../errors/diagnostic.js';
import { classifyRedisError, withRedis } from './redis-client.js';
import { recipeFailure, recipeSuccess, type RecipeOutcome } from './recipe-types.js';

const RETRY_MS = 20;

/** Waits for PING to answer; never throws. */
export async function waitForRedis(service: string, url: string, signal: AbortSignal): Promise<RecipeOutcome<null>> {
  let lastProblem = 'not tried yet';
  // A function, not the property: it changes while an attempt is awaited.
  const givenUp = (): boolean => signal.aborted;
  while (!givenUp()) {
    try {
      await withRedis(url, 2000, (client) => client.ping(), signal);
      return recipeSuccess(null);
    } catch (error) {
      // The attempt the give-up cut short says only "aborted": the reason is what the attempts before it met.
      if (givenUp() && lastProblem !== 'not tried yet') break;
      const problem = classifyRedisError(error, url);
      if (problem.kind === 'refused') return recipeFailure(refusedLogin(service, problem.message, new URL(url).password !== ''));
      lastProblem = problem.message;
    }
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
  }
  return recipeFailure(createDiagnostic('BERTH_E_RECIPE_START', { service, params: { service: `\`${service}\``, reason: `Redis did not answer PING before the start was given up (${lastProblem})`, advice: `see the service log (\`berth logs ${service}\`) for what Redis said` } }));
}

function refusedLogin(service: string, reason: string, withPassword: boolean): ReturnType<typeof createDiagnostic> {
  const advice = withPassword
    ? 'the server does not accept the stack\'s `password:`: check the env variable it reads, and that `args:` sets no other `--requirepass` or ACL'
    : 'the server wants a password the stack does not give: set `password: ${REDIS_PASSWORD}` (with the value in .env) instead of `--requirepass` in `args:`';
  return createDiagnostic('BERTH_E_RECIPE_AUTH', { service, params: { service: `\`${service}\``, role: '`default`', reason, advice }, expected: 'a login as `default`', found: reason });
}
