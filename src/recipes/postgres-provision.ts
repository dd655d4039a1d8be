// After `postgres` starts: wait until the recipe's role can log in over TCP and run SELECT 1 (that is readiness);
// when the login is refused because the role or database is missing or its password changed, fix that as the
// superuser over the private socket, and try again.
import type { ResolvedService } from '../config/resolved-stack.js';
import { createDiagnostic } from '../errors/diagnostic.js';
import { makeResult } from '../health/probe-output.js';
import type { ProbeResult } from '../health/probe-types.js';
import { classifyLoginError, quoteIdentifier, quoteLiteral, withPostgres, type LoginProblem, type PostgresLogin } from './postgres-client.js';
import { recipeFailure, recipeSuccess, type RecipeOutcome } from './recipe-types.js';

export interface ProvisionSpec {
  readonly socketDir: string;
  readonly port: number;
  readonly service: ResolvedService;
  /** Undefined when Berth did not make the cluster: it then cannot create or fix the role. */
  readonly superuserPassword: string | undefined;
  readonly rolePassword: string;
  /** The server's output lines; its "ready to accept connections" line starts an attempt at once. */
  readonly subscribeOutput?: (listener: (text: string) => void) => () => void;
}

// Why both the line and the poll: the line saves waiting for the next poll, but its wording depends on the
// server's version and `lc_messages`, so polling stays the rule.
const READY_LINE = /ready to accept connections/;

// A failed attempt while the server starts is cheap (connection refused, or "the database system is starting up").
const RETRY_MS = 5;

/** Waits for the server as the role; provisions once if the role is refused. A second refusal is final. Never throws. */
export async function provisionPostgres(spec: ProvisionSpec, signal: AbortSignal): Promise<RecipeOutcome<ProbeResult | null>> {
  const pause = createWakeablePause();
  const unsubscribe = spec.subscribeOutput?.((text) => {
    if (READY_LINE.test(text)) pause.wake();
  });
  try {
    return await pollLogin(spec, signal, pause.sleep);
  } finally {
    unsubscribe?.();
  }
}

async function pollLogin(spec: ProvisionSpec, signal: AbortSignal, sleep: (ms: number) => Promise<void>): Promise<RecipeOutcome<ProbeResult | null>> {
  const role = spec.service.user ?? 'postgres';
  const database = spec.service.database ?? 'postgres';
  const asRole: PostgresLogin = { host: '127.0.0.1', port: spec.port, user: role, password: spec.rolePassword, database };
  let provisioned = false;
  let lastProblem = 'not tried yet';
  while (!signal.aborted) {
    const startedAt = Date.now();
    const problem = await tryLogin(asRole, async (client) => {
      await client.query('SELECT 1');
    });
    if (problem === undefined) return recipeSuccess(makeResult(true, `SELECT 1 answered for ${role}@${database}`, startedAt));
    lastProblem = problem.message;
    if (problem.kind === 'refused') {
      if (spec.superuserPassword === undefined || provisioned) return recipeFailure(refused(spec.service.name, role, problem.message, 'role', provisioned));
      const asSuperuser: PostgresLogin = { host: spec.socketDir, port: spec.port, user: 'postgres', password: spec.superuserPassword, database: 'postgres' };
      const failed = await tryLogin(asSuperuser, (client) => ensureRoleAndDatabase(client, role, spec.rolePassword, database));
      if (failed?.kind === 'refused') return recipeFailure(refused(spec.service.name, 'postgres', failed.message, 'superuser', false));
      if (failed === undefined) provisioned = true;
      continue;
    }
    await sleep(RETRY_MS);
  }
  return recipeFailure(createDiagnostic('BERTH_E_RECIPE_START', { service: spec.service.name, params: { service: `\`${spec.service.name}\``, reason: `PostgreSQL did not answer before the start was given up (${lastProblem})`, advice: 'see the service log (`berth logs NAME`) for what PostgreSQL said' } }));
}

/** A sleep that `wake()` ends early (a wake with no sleep pending ends the next one at once). */
function createWakeablePause(): { sleep: (ms: number) => Promise<void>; wake: () => void } {
  let pending: (() => void) | null = null;
  let woken = false;
  return {
    sleep: (ms) => new Promise<void>((resolve) => {
      if (woken) {
        woken = false;
        resolve();
        return;
      }
      const timer = setTimeout(() => {
        pending = null;
        resolve();
      }, ms);
      pending = () => {
        clearTimeout(timer);
        pending = null;
        resolve();
      };
    }),
    wake: () => {
      if (pending === null) woken = true;
      else pending();
    },
  };
}

async function tryLogin(login: PostgresLogin, work: (client: Queryable) => Promise<void>): Promise<LoginProblem | undefined> {
  try {
    await withPostgres(login, 2000, work);
    return undefined;
  } catch (error) {
    return classifyLoginError(error);
  }
}

type Queryable = { query: (text: string, values?: unknown[]) => Promise<{ rowCount: number | null }> };

async function ensureRoleAndDatabase(client: Queryable, role: string, password: string, database: string): Promise<void> {
  // `postgres` is the superuser Berth logs in as: its password is Berth's, not the role password.
  if (role !== 'postgres') {
    const exists = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
    // ALTER when it exists: the stack file (or .env) is the source of truth, so a changed `password:` takes effect
    // on the next start instead of locking the app out.
    await client.query(`${exists.rowCount === 0 ? 'CREATE' : 'ALTER'} ROLE ${quoteIdentifier(role)} WITH LOGIN PASSWORD ${quoteLiteral(password)}`);
  }
  const db = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
  if (db.rowCount === 0) await client.query(`CREATE DATABASE ${quoteIdentifier(database)} OWNER ${quoteIdentifier(role)}`);
}

function refused(service: string, user: string, reason: string, who: 'role' | 'superuser', afterProvisioning: boolean): ReturnType<typeof createDiagnostic> {
  const advice = who === 'superuser'
    ? `the superuser password in .berth/secrets/${service}.superuser no longer matches this data folder; restore that file, or reset the password by hand (pg_hba.conf \`trust\`, ALTER ROLE postgres PASSWORD ...) and write it there`
    : afterProvisioning
      ? 'the role was just created or updated but still cannot log in: check pg_hba.conf in the data folder allows `host all all 127.0.0.1/32 scram-sha-256`'
      : 'Berth did not make this data folder, so it cannot create the role: create the role and database by hand with the `password:` of the stack file, or correct `password:`';
  return createDiagnostic('BERTH_E_RECIPE_AUTH', { service, params: { service: `\`${service}\``, role: `\`${user}\``, reason, advice }, expected: `a login as \`${user}\``, found: reason });
}
