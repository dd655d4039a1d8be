// Fills a PostgreSQL database with a realistic mix for backup benchmarks: pgbench's four tables (`pgbench -i`,
// fixed-width rows, primary keys), then `users` (text, a unique index on email), `events` (jsonb payload, text,
// timestamps, three btree indexes) and `documents` (long text, stored TOASTed), and tops `events` up in batches
// until `pg_database_size` reaches the target. Ends with VACUUM ANALYZE and a CHECKPOINT.
import { join } from 'node:path';
import pg from 'pg';
import { runCommand } from '../../src/exec/run-command.js';

export interface FillLogin {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  readonly binDir: string;
}

export interface FillResult {
  readonly bytes: number;
  readonly ms: number;
  /** Rows per table, biggest first. */
  readonly tables: readonly { readonly name: string; readonly rows: number; readonly bytes: number }[];
}

/** Runs `work` on a fresh connection to `login` and always closes it. */
export async function withClient<T>(login: Omit<FillLogin, 'binDir'>, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ host: login.host, port: login.port, user: login.user, password: login.password, database: login.database, application_name: 'berth-bench' });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function databaseSize(login: Omit<FillLogin, 'binDir'>): Promise<number> {
  return withClient(login, async (c) => Number((await c.query<{ n: string }>('SELECT pg_database_size(current_database())::bigint AS n')).rows[0]?.n));
}

const EVENTS_BATCH = 250_000;

/** Fills `login.database` to at least `targetBytes` on disk. `scale` is pgbench's scale factor (15 MB each). */
export async function fillDatabase(login: FillLogin, targetBytes: number, scale: number, log: (line: string) => void): Promise<FillResult> {
  const started = Date.now();
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', PGPASSWORD: login.password, LANG: 'C', LC_ALL: 'C' };
  log(`fill: pgbench -i -s ${String(scale)} ...`);
  const bench = await runCommand({ argv: [join(login.binDir, 'pgbench'), '-i', '-q', '-s', String(scale), '-h', login.host, '-p', String(login.port), '-U', login.user, login.database], env, timeoutMs: 3600_000 });
  if (bench.code !== 0) throw new Error(`pgbench -i failed: ${bench.output.slice(-2000)}`);
  await withClient(login, async (c) => {
    log('fill: users, documents ...');
    await c.query(`CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, name text NOT NULL, created_at timestamptz NOT NULL, plan text NOT NULL)`);
    await c.query(`INSERT INTO users SELECT i, 'user' || i || '@' || md5(i::text) || '.example.com', initcap(md5((i * 7)::text)), timestamptz '2024-01-01' + i * interval '37 seconds', (ARRAY['free','team','business'])[1 + i % 3] FROM generate_series(1, 400000) i`);
    await c.query('CREATE UNIQUE INDEX users_email ON users (email)');
    await c.query(`CREATE TABLE documents (id bigint PRIMARY KEY, owner_id bigint NOT NULL, title text NOT NULL, body text NOT NULL)`);
    await c.query(`INSERT INTO documents SELECT i, 1 + i % 400000, 'Document ' || i, repeat(md5(i::text) || ' ' || md5((i + 1)::text) || E'\\n', 40) FROM generate_series(1, 60000) i`);
    await c.query('CREATE INDEX documents_owner ON documents (owner_id)');
    log('fill: events ...');
    await c.query(`CREATE TABLE events (id bigint PRIMARY KEY, account_id integer NOT NULL, kind text NOT NULL, created_at timestamptz NOT NULL, payload jsonb NOT NULL, note text)`);
    let next = 1;
    const insertBatch = async (rows: number): Promise<void> => {
      await c.query(`INSERT INTO events SELECT i, 1 + (i * 7919) % 4000000, (ARRAY['login','view','click','purchase','logout'])[1 + i % 5], timestamptz '2025-01-01' + i * interval '3 seconds',
        jsonb_build_object('ip', '10.' || (i % 256) || '.' || ((i / 256) % 256) || '.' || (i % 7), 'agent', 'Mozilla/5.0 (X11; Linux x86_64) build ' || (i % 1000), 'ref', md5(i::text), 'n', i % 97),
        CASE WHEN i % 4 = 0 THEN NULL ELSE 'note ' || md5((i * 3)::text) END
        FROM generate_series($1::bigint, $2::bigint) i`, [next, next + rows - 1]);
      next += rows;
    };
    for (let i = 0; i < 6; i += 1) await insertBatch(EVENTS_BATCH);
    await c.query('CREATE INDEX events_account ON events (account_id)');
    await c.query('CREATE INDEX events_created ON events (created_at)');
    for (let size = await sizeOf(c); size < targetBytes; size = await sizeOf(c)) {
      log(`fill: ${(size / 2 ** 30).toFixed(2)} GiB, adding ${String(EVENTS_BATCH)} events ...`);
      await insertBatch(EVENTS_BATCH);
    }
    log('fill: VACUUM ANALYZE, CHECKPOINT ...');
    await c.query('VACUUM ANALYZE');
    await c.query('CHECKPOINT');
  });
  return withClient(login, async (c) => {
    const bytes = await sizeOf(c);
    const tables = (await c.query<{ name: string; rows: string; bytes: string }>(`SELECT c.relname AS name, c.reltuples::bigint AS rows, pg_total_relation_size(c.oid)::bigint AS bytes
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname = 'public' ORDER BY 3 DESC`)).rows;
    return { bytes, ms: Date.now() - started, tables: tables.map((t) => ({ name: t.name, rows: Number(t.rows), bytes: Number(t.bytes) })) };
  });
}

async function sizeOf(c: pg.Client): Promise<number> {
  return Number((await c.query<{ n: string }>('SELECT pg_database_size(current_database())::bigint AS n')).rows[0]?.n);
}
