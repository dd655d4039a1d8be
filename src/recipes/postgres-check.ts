// The postgres probe: log in over TCP as the recipe's role and run `SELECT 1`, so "ready" means the server
// answers queries for the app, not merely that its port is open.
import { makeResult } from '../health/probe-output.js';
import type { ProbeCheck } from '../health/probe-types.js';
import { parseDuration } from '../shared/duration.js';
import { withPostgres } from './postgres-client.js';

/** Passes when `SELECT 1` returns over a fresh connection with the recipe's credentials. */
export const checkPostgres: ProbeCheck = async (probe, target, signal) => {
  const startedAt = Date.now();
  if (target.recipeUrl === undefined) return makeResult(false, 'no connection URL for this instance (not a postgres recipe)', startedAt);
  const url = new URL(target.recipeUrl);
  const who = `${decodeURIComponent(url.username)}@${decodeURIComponent(url.pathname.slice(1))}`;
  if (signal.aborted) return makeResult(false, 'aborted', startedAt);
  try {
    const login = { host: url.hostname, port: Number(url.port), user: decodeURIComponent(url.username), password: decodeURIComponent(url.password), database: decodeURIComponent(url.pathname.slice(1)) };
    await withPostgres(login, parseDuration(probe.timeout) ?? 5000, (client) => client.query('SELECT 1'));
    return makeResult(true, `SELECT 1 answered for ${who}`, startedAt);
  } catch (error) {
    // node-postgres messages name the user and database at most, never the password.
    return makeResult(false, `${who}: ${error instanceof Error ? error.message : String(error)}`, startedAt);
  }
};
