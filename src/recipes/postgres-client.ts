// Small helpers over node-postgres: one connection, one purpose, always closed; errors sorted into "not up yet"
// (keep waiting) and "refused our login" (stop at once: waiting will not fix a wrong password).
import pg from 'pg';

export interface PostgresLogin {
  /** A folder (Unix socket) or 127.0.0.1. */
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
}

export type LoginProblem = { readonly kind: 'not-ready'; readonly message: string } | { readonly kind: 'refused'; readonly message: string; readonly code: string };

// SQLSTATEs that mean our credentials or target are wrong, not that the server is still starting.
const REFUSED = new Set(['28P01', '28000', '3D000']);

/** Sorts a connection error: refused (wrong password, no such role or database) or not ready yet. */
export function classifyLoginError(error: unknown): LoginProblem {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  const message = error instanceof Error ? error.message : String(error);
  return REFUSED.has(code) ? { kind: 'refused', message, code } : { kind: 'not-ready', message };
}

/** Connects, runs `work`, and closes the connection whatever happens. */
export async function withPostgres<T>(login: PostgresLogin, timeoutMs: number, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ ...login, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs, application_name: 'berth' });
  // An error after connect (server shutting down) must not become an unhandled 'error' event.
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Quotes an identifier for SQL. */
export const quoteIdentifier = (name: string): string => pg.escapeIdentifier(name);
/** Quotes a string literal for SQL. */
export const quoteLiteral = (text: string): string => pg.escapeLiteral(text);
