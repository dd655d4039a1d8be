// PostgreSQL backups: count every user table's rows in a REPEATABLE READ transaction that exports its snapshot,
// `pg_dump -Fc --snapshot` of that same snapshot while the transaction stays open, then verification by restoring
// into a scratch database on the same server (always dropped) and comparing tables and row counts; and restores.
import { randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { runCommand, type RunCommandResult } from '../exec/run-command.js';
import type { PostgresLogin as ClientLogin } from '../recipes/postgres-client.js';
import type { BackupSource, Verification } from './backup-types.js';
import { hideSecrets, lastLines, messageOf } from './durable-file.js';

export type PostgresSource = Extract<BackupSource, { kind: 'postgres' }>;
export type PostgresVerification = Extract<Verification, { kind: 'postgres' }>;

/** Rows per table, keyed `schema.table` (quoted identifiers), in name order. */
export type TableCounts = ReadonlyMap<string, number>;

/** A connection to one PostgreSQL server (the source's login with another database), and its binaries. */
export interface PostgresLogin extends ClientLogin {
  readonly binDir: string;
}

const DUMP_TIMEOUT_MS = 12 * 3600_000;
const CONNECT_TIMEOUT_MS = 10_000;

// Ordinary tables (leaf partitions included) of every user schema, without temporary tables and tables that
// belong to an extension (pg_dump leaves those to CREATE EXTENSION).
const TABLES_SQL = `SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS name
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r' AND c.relpersistence <> 't'
  AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY n.nspname, c.relname`;

/** Connects to `login` (errors say where, never the password), runs `work`, and always closes. */
export async function withConnection<T>(login: Omit<PostgresLogin, 'binDir'>, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ host: login.host, port: login.port, user: login.user, password: login.password, database: login.database, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, application_name: 'berth-backup' });
  client.on('error', () => undefined);
  try {
    try {
      await client.connect();
    } catch (error) {
      throw new Error(`cannot connect to PostgreSQL at ${login.host}:${String(login.port)} (database ${login.database}, user ${login.user}): ${hideSecrets(messageOf(error), [login.password])}`);
    }
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Every user table and its row count, as `client` sees them (inside its transaction's snapshot). */
export async function countTables(client: pg.Client): Promise<Map<string, number>> {
  const tables = (await client.query<{ name: string }>(TABLES_SQL)).rows.map((row) => row.name);
  const counts = new Map<string, number>();
  // Why identifiers from quote_ident: the names come from the server already quoted for SQL.
  for (const table of tables) counts.set(table, Number((await client.query<{ n: string }>(`SELECT count(*)::bigint AS n FROM ${table}`)).rows[0]?.n ?? NaN));
  return counts;
}

/** `PostgreSQL 15.18` from `SELECT version()`. */
export function shortPostgresVersion(text: string): string {
  return /^PostgreSQL \S+/.exec(text)?.[0] ?? text.split(' on ')[0] ?? text;
}

/** Why a pg_dump / pg_restore run failed, or null when it succeeded: exit status, then any `<tool>: error` line. */
export function commandProblem(tool: string, result: RunCommandResult, password: string): string | null {
  if (result.error !== undefined) return `${tool} could not be started: ${result.error}`;
  const errorLine = result.output.split('\n').find((line) => line.startsWith(`${tool}: error`));
  if (result.timedOut) return `${tool} did not finish within ${String(DUMP_TIMEOUT_MS / 3600_000)} h`;
  if (result.code !== 0) return hideSecrets(`${tool} exited with ${result.code === null ? 'a signal' : `status ${String(result.code)}`}: ${lastLines(result.output)}`, [password]);
  if (errorLine !== undefined) return hideSecrets(`${tool} exited 0 but reported an error: ${errorLine}`, [password]);
  return null;
}

const toolEnv = (password: string): Record<string, string> => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C', LC_ALL: 'C', PGPASSWORD: password, PGCONNECT_TIMEOUT: '10', PGAPPNAME: 'berth-backup' });
const loginArgs = (login: PostgresLogin, database: string): string[] => ['--host', login.host, '--port', String(login.port), '--username', login.user, '--no-password', '--dbname', database];

/** Dumps the source into `file` (created 0600 here, then written by pg_dump), with the row counts of the very
 * snapshot dumped and the server's version. Throws an Error with the reason. */
export async function dumpPostgres(source: PostgresSource, file: string): Promise<{ counts: TableCounts; serverVersion: string }> {
  await (await open(file, 'wx', 0o600)).close();
  return withConnection(source, async (client) => {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    try {
      const snapshot = (await client.query<{ id: string }>('SELECT pg_export_snapshot() AS id')).rows[0]?.id ?? '';
      const serverVersion = shortPostgresVersion((await client.query<{ version: string }>('SELECT version()')).rows[0]?.version ?? '');
      const counts = await countTables(client);
      // The transaction stays open until pg_dump is done: its snapshot is what pg_dump dumps.
      const result = await runCommand({ argv: [join(source.binDir, 'pg_dump'), '--format=custom', `--snapshot=${snapshot}`, `--file=${file}`, ...loginArgs(source, source.database)], env: toolEnv(source.password), timeoutMs: DUMP_TIMEOUT_MS });
      const problem = commandProblem('pg_dump', result, source.password);
      if (problem !== null) throw new Error(problem);
      return { counts, serverVersion };
    } finally {
      await client.query('ROLLBACK').catch(() => undefined);
    }
  });
}

/** Restores `file` into a scratch database `berth_verify_<random>` on the source's server, compares its tables
 * and row counts with `counts`, and drops the scratch database whatever happened. Throws only when the scratch
 * database cannot be made or restoring fails (the reason says which). */
export async function verifyPostgresDump(source: PostgresSource, file: string, counts: TableCounts): Promise<PostgresVerification> {
  const started = Date.now();
  const scratch = `berth_verify_${randomBytes(6).toString('hex')}`;
  await withConnection(source, async (client) => {
    const db = (await client.query<{ encoding: string; collate: string; ctype: string }>('SELECT pg_encoding_to_char(encoding) AS encoding, datcollate AS collate, datctype AS ctype FROM pg_database WHERE datname = current_database()')).rows[0];
    const like = db === undefined ? '' : ` ENCODING ${pg.escapeLiteral(db.encoding)} LC_COLLATE ${pg.escapeLiteral(db.collate)} LC_CTYPE ${pg.escapeLiteral(db.ctype)}`;
    try {
      await client.query(`CREATE DATABASE ${pg.escapeIdentifier(scratch)} TEMPLATE template0${like}`);
    } catch (error) {
      throw new Error(`cannot create the scratch database ${scratch} to verify the dump (user ${source.user} needs CREATEDB): ${messageOf(error)}`);
    }
  });
  try {
    const result = await runCommand({ argv: [join(source.binDir, 'pg_restore'), '--no-owner', '--exit-on-error', ...loginArgs(source, scratch), file], env: toolEnv(source.password), timeoutMs: DUMP_TIMEOUT_MS });
    const problem = commandProblem('pg_restore', result, source.password);
    if (problem !== null) throw new Error(`restoring the dump into the scratch database failed: ${problem}`);
    const restored = await withConnection({ ...source, database: scratch }, (client) => countTables(client));
    const mismatches = compareCounts(counts, restored);
    let rows = 0;
    for (const n of counts.values()) rows += n;
    return { kind: 'postgres', ok: mismatches.length === 0, tables: counts.size, rows, mismatches, ms: Date.now() - started };
  } finally {
    await dropDatabase(source, scratch);
  }
}

/** What differs between the counts at dump time and after a restore, one line per table. */
export function compareCounts(expected: TableCounts, found: TableCounts): string[] {
  const mismatches: string[] = [];
  for (const [table, rows] of expected) {
    const got = found.get(table);
    if (got === undefined) mismatches.push(`${table}: expected ${String(rows)} rows, found no such table after the restore`);
    else if (got !== rows) mismatches.push(`${table}: expected ${String(rows)} rows, found ${String(got)}`);
  }
  for (const table of found.keys()) if (!expected.has(table)) mismatches.push(`${table}: expected no such table, found it after the restore`);
  return mismatches;
}

// Exactly the names verifyPostgresDump makes: nothing a user could have created by accident is matched.
const SCRATCH_NAME = /^berth_verify_[0-9a-f]{12}$/;

/** Drops the scratch databases a verification left when Berth was killed during it; returns their names. Call only
 * while no backup of this server runs. */
export async function dropLeftoverScratchDatabases(source: PostgresSource): Promise<string[]> {
  const login = { ...source, database: 'postgres' };
  const rows = await withConnection(login, async (client) => (await client.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'berth\\_verify\\_%'")).rows);
  const names = rows.map((row) => row.datname).filter((name) => SCRATCH_NAME.test(name));
  for (const name of names) await dropDatabase(login, name);
  return names;
}

async function dropDatabase(login: PostgresLogin, name: string): Promise<void> {
  await withConnection(login, (client) => client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`)).catch(() => undefined);
}

export interface PostgresRestoreTarget extends PostgresLogin {
  readonly kind: 'postgres';
  /** true: restore into a new database `database` beside the live one (refused when it exists); false: restore
   * over the live database `database` (`--clean --if-exists`, in one transaction). */
  readonly create: boolean;
}

/** Restores a plain (decrypted) custom-format dump into the target. Throws an Error with the reason. */
export async function restorePostgresDump(file: string, target: PostgresRestoreTarget): Promise<void> {
  const maintenance = { ...target, database: 'postgres' };
  if (target.create) {
    await withConnection(maintenance, async (client) => {
      const exists = (await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [target.database])).rowCount ?? 0;
      if (exists > 0) throw new Error(`cannot restore into a new database ${target.database}: expected no database of that name, found one (pick another name)`);
      await client.query(`CREATE DATABASE ${pg.escapeIdentifier(target.database)} TEMPLATE template0`);
    });
  }
  const args = target.create ? ['--exit-on-error', '--single-transaction'] : ['--clean', '--if-exists', '--exit-on-error', '--single-transaction'];
  const result = await runCommand({ argv: [join(target.binDir, 'pg_restore'), ...args, ...loginArgs(target, target.database), file], env: toolEnv(target.password), timeoutMs: DUMP_TIMEOUT_MS });
  const problem = commandProblem('pg_restore', result, target.password);
  if (problem === null) return;
  // Only the database made just now (holding nothing but this failed restore) is dropped; a live one is left as
  // it was, since the restore ran in one transaction.
  if (target.create) await dropDatabase(maintenance, target.database);
  throw new Error(`restoring into database ${target.database} failed${target.create ? '' : ' (the live database is unchanged: the restore ran in one transaction)'}: ${problem}`);
}
