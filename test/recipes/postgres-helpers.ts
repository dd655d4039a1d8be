// Shared by the postgres recipe tests: a temp stack folder the server's user can reach, a free port, a supervisor.
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { loadStack } from '../../src/config/load-stack.js';
import { findPostgresBinaries } from '../../src/recipes/find-postgres.js';
import { allocatePort } from '../../src/supervisor/allocate-port.js';
import { Supervisor } from '../../src/supervisor/supervisor.js';
import type { SupervisorEvent } from '../../src/supervisor/supervisor-types.js';
import { writeFiles } from '../helpers/temp-stack.js';

/** Fails with the package to install when the PostgreSQL server is missing. */
export function requirePostgres(): void {
  const found = findPostgresBinaries(null, process.env.PATH);
  if (!found.ok) throw new Error(`these tests need the PostgreSQL server: apt-get install postgresql (${found.reason})`);
}

/** A stack folder (0755, so a server running as `postgres` can reach it) holding `yaml` with PORT filled in. */
export async function makePostgresStack(yaml: string, files: Readonly<Record<string, string>> = {}): Promise<{ dir: string; port: number }> {
  const port = await allocatePort();
  const dir = writeFiles({ 'berth.yml': yaml.replaceAll('PORT', String(port)), ...files });
  chmodSync(dir, 0o755);
  return { dir, port };
}

/** Loads the stack in `dir` and makes a supervisor for it, recording its events. */
export function superviseStack(dir: string, baseEnv: Readonly<Record<string, string | undefined>> = { PATH: process.env.PATH }): { supervisor: Supervisor; events: SupervisorEvent[] } {
  const loaded = loadStack({ file: join(dir, 'berth.yml') });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.diagnostics, null, 2));
  const supervisor = new Supervisor({ stack: loaded.stack, stateDir: join(dir, '.berth'), baseEnv });
  const events: SupervisorEvent[] = [];
  supervisor.subscribe((event) => events.push(event));
  return { supervisor, events };
}

/** Runs one query against a connection URL. */
export async function query(url: string, text: string, values: unknown[] = []): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return (await client.query(text, values)).rows as unknown[];
  } finally {
    await client.end();
  }
}
