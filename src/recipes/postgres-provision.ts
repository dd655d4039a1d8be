// After `postgres` starts: wait until it answers, then make sure the recipe's role (with the configured password)
// and database exist. Runs on every start and changes nothing when all is in place.
import type { ResolvedService } from '../config/resolved-stack.js';
import { createDiagnostic } from '../errors/diagnostic.js';
import { classifyLoginError, quoteIdentifier, quoteLiteral, withPostgres, type PostgresLogin } from './postgres-client.js';
import { recipeFailure, recipeSuccess, type RecipeOutcome } from './recipe-types.js';

export interface ProvisionSpec {
  readonly socketDir: string;
  readonly port: number;
  readonly service: ResolvedService;
  /** Undefined when Berth did not make the cluster: it then only checks the role can log in. */
  readonly superuserPassword: string | undefined;
  readonly rolePassword: string;
}

const RETRY_MS = 10;

/** Waits for the server and provisions it; a refused login is final. Never throws. */
export async function provisionPostgres(spec: ProvisionSpec, signal: AbortSignal): Promise<RecipeOutcome<null>> {
  const role = spec.service.user ?? 'postgres';
  const database = spec.service.database ?? 'postgres';
  const asSuperuser = spec.superuserPassword !== undefined;
  const login: PostgresLogin = asSuperuser
    ? { host: spec.socketDir, port: spec.port, user: 'postgres', password: spec.superuserPassword, database: 'postgres' }
    : { host: '127.0.0.1', port: spec.port, user: role, password: spec.rolePassword, database };
  let lastProblem = 'not tried yet';
  while (!signal.aborted) {
    try {
      await withPostgres(login, 2000, async (client) => {
        if (asSuperuser) await ensureRoleAndDatabase(client, role, spec.rolePassword, database);
        else await client.query('SELECT 1');
      });
      return recipeSuccess(null);
    } catch (error) {
      const problem = classifyLoginError(error);
      if (problem.kind === 'refused') return recipeFailure(refused(spec.service.name, login.user, problem.message, asSuperuser));
      lastProblem = problem.message;
    }
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
  }
  return recipeFailure(createDiagnostic('BERTH_E_RECIPE_START', { service: spec.service.name, params: { service: `\`${spec.service.name}\``, reason: `PostgreSQL did not answer before the start was given up (${lastProblem})`, advice: 'see the service log (`berth logs NAME`) for what PostgreSQL said' } }));
}

type Queryable = { query: (text: string, values?: unknown[]) => Promise<{ rowCount: number | null }> };

async function ensureRoleAndDatabase(client: Queryable, role: string, password: string, database: string): Promise<void> {
  // `postgres` is the superuser Berth logs in as: its password is Berth's, not the role password.
  if (role !== 'postgres') {
    const exists = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
    const verb = exists.rowCount === 0 ? 'CREATE' : 'ALTER';
    // Why ALTER every start: the stack file (or .env) is the source of truth for the password; a changed
    // `password:` takes effect on the next start instead of locking the app out.
    await client.query(`${verb} ROLE ${quoteIdentifier(role)} WITH LOGIN PASSWORD ${quoteLiteral(password)}`);
  }
  const db = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
  if (db.rowCount === 0) await client.query(`CREATE DATABASE ${quoteIdentifier(database)} OWNER ${quoteIdentifier(role)}`);
}

function refused(service: string, user: string, reason: string, asSuperuser: boolean): ReturnType<typeof createDiagnostic> {
  const advice = asSuperuser
    ? `the superuser password in .berth/secrets/${service}.superuser no longer matches this data folder; restore the file, or reset the password by hand (pg_hba.conf \`trust\`, ALTER ROLE postgres PASSWORD ...) and write it there`
    : 'Berth did not make this data folder, so it cannot create the role: create the role and database by hand with the `password:` of the stack file, or correct `password:`';
  return createDiagnostic('BERTH_E_RECIPE_AUTH', { service, params: { service: `\`${service}\``, role: `\`${user}\``, reason, advice }, expected: `a login as \`${user}\``, found: reason });
}
