// P8: a verified backup of a PostgreSQL database takes ≤ 2× the time of a plain `pg_dump` + `pg_restore` of it.
// Starts a `recipe: postgres` service (PostgreSQL from the machine, the recipe's berth.conf) under the in-process
// Supervisor, fills database `app` to ≥ 1 GiB on disk (bench/support/fill-postgres.ts: pgbench -i plus text, jsonb,
// TOASTed and indexed tables), then N rounds, the two sides alternating which goes first:
//  (a) Berth as shipped: `runBackup` with the source the daemon builds (src/daemon/backup-sources.ts: 127.0.0.1,
//      superuser `postgres`, its password): row counts in a REPEATABLE READ snapshot, `pg_dump --format=custom
//      --snapshot`, fsync, restore into a scratch database (`pg_restore --no-owner --exit-on-error`, no -j), row
//      counts there, compare, drop, sha256, manifest. Phases are observed from outside (the partial file's first
//      bytes, the scratch database appearing and going, polled every 50 ms) and from the record's verification ms.
//  (b) the baseline: `pg_dump --format=custom --file`, `createdb --template=template0`, `pg_restore --no-owner
//      --exit-on-error` (the flags Berth passes; no -j since Berth uses none), `dropdb --force`; same binaries,
//      same TCP login.
// A CHECKPOINT (not timed) precedes each side so neither inherits the other's dirty buffers; dump files are removed
// after each side. Then (unless --no-profile) one profiling pass times the parts Berth adds: counting rows in the
// source snapshot, counting rows in a freshly restored copy (twice: the first scan sets hint bits), sha256 and fsync
// of the dump.
// Run: npx tsx bench/backup.bench.ts [--rounds 3] [--gib 1] [--scale 40] [--no-profile]
import { spawnSync } from 'node:child_process';
import { chmodSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runBackup } from '../src/backup/run-backup.js';
import type { BackupSource } from '../src/backup/backup-types.js';
import { fsyncPath, hashFile } from '../src/backup/durable-file.js';
import { countTables } from '../src/backup/postgres-backup.js';
import { loadStack } from '../src/config/load-stack.js';
import { runCommand } from '../src/exec/run-command.js';
import { findPostgresBinaries } from '../src/recipes/find-postgres.js';
import { postgresSecretNames } from '../src/recipes/postgres-paths.js';
import { readSecret } from '../src/recipes/recipe-secrets.js';
import { allocatePort } from '../src/supervisor/allocate-port.js';
import { Supervisor } from '../src/supervisor/supervisor.js';
import { fillDatabase, withClient } from './support/fill-postgres.js';
import { fmt, machineLine, makeStackDir, median, onCleanup, runBench, sleep, table } from './support/harness.js';

const { values: args } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, gib: { type: 'string', default: '1' }, scale: { type: 'string', default: '40' }, 'no-profile': { type: 'boolean', default: false } } });
const ROUNDS = Math.max(1, Number(args.rounds));
const TARGET_BYTES = Number(args.gib) * 2 ** 30;
const SCALE = Math.max(1, Number(args.scale));
const TARGET_RATIO = 2;
const POLL_MS = 50;

type PgSource = Extract<BackupSource, { kind: 'postgres' }>;

const log = (line: string): void => {
  console.error(`bench: ${new Date().toISOString().slice(11, 19)} ${line}`);
};
const uptime = (): string => spawnSync('uptime', { encoding: 'utf8' }).stdout.trim();
const mib = (bytes: number): string => `${fmt(bytes / 2 ** 20, 0)} MiB`;
const sec = (ms: number): string => `${fmt(ms / 1000, 1)} s`;

const toolEnv = (source: PgSource): Record<string, string> => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C', LC_ALL: 'C', PGPASSWORD: source.password, PGCONNECT_TIMEOUT: '10' });
const login = (source: PgSource): string[] => ['--host', source.host, '--port', String(source.port), '--username', source.user, '--no-password'];

/** Runs a client tool from the server's bin folder; returns its wall time in ms; throws on failure. */
async function tool(source: PgSource, name: string, rest: string[]): Promise<number> {
  const started = performance.now();
  const result = await runCommand({ argv: [join(source.binDir, name), ...rest], env: toolEnv(source), timeoutMs: 3 * 3600_000 });
  const ms = performance.now() - started;
  if (result.code !== 0 || /^\S+: error/m.test(result.output)) throw new Error(`${name} ${rest.join(' ')} failed (${String(result.code)}): ${result.output.slice(-2000)}`);
  return ms;
}

const checkpoint = (source: PgSource): Promise<unknown> => withClient(source, (c) => c.query('CHECKPOINT'));

interface BerthSample {
  readonly total: number;
  /** Start → first bytes of the partial dump file (counting rows in the snapshot, pg_dump reading the catalog). */
  readonly count: number;
  /** → scratch database appears (pg_dump, fsync). */
  readonly dump: number;
  /** The record's verification ms (create scratch, pg_restore, count rows there, compare). */
  readonly verify: number;
  /** Scratch appeared → gone, minus verify (the drop). */
  readonly drop: number;
  /** Scratch gone → record returned (sha256, manifest, rename, fsync). */
  readonly finish: number;
  readonly bytes: number;
  readonly rows: number;
  readonly tables: number;
}

interface BaselineSample { readonly total: number; readonly dump: number; readonly createdb: number; readonly restore: number; readonly drop: number; readonly bytes: number }

async function berthSide(source: PgSource, dir: string, round: number): Promise<BerthSample> {
  rmSync(dir, { recursive: true, force: true });
  const seen = { file: NaN, scratchIn: NaN, scratchOut: NaN };
  const stop = { done: false };
  const started = performance.now();
  // The observer: its own connection, a catalog query every 50 ms; the partial file's size by stat.
  const observer = withClient({ ...source, database: 'postgres' }, async (c) => {
    while (!stop.done) {
      const now = performance.now();
      if (Number.isNaN(seen.file)) {
        const partial = (() => {
          try {
            return readdirSync(dir).find((name) => name.endsWith('.dump.partial'));
          } catch {
            return undefined; // runBackup has not made the folder yet
          }
        })();
        if (partial !== undefined && (statSync(join(dir, partial), { throwIfNoEntry: false })?.size ?? 0) > 0) seen.file = now;
      }
      const scratch = (await c.query("SELECT 1 FROM pg_database WHERE datname LIKE 'berth\\_verify\\_%'")).rowCount ?? 0;
      if (scratch > 0 && Number.isNaN(seen.scratchIn)) seen.scratchIn = now;
      if (scratch === 0 && !Number.isNaN(seen.scratchIn) && Number.isNaN(seen.scratchOut)) seen.scratchOut = now;
      await sleep(POLL_MS);
    }
  }).catch(() => undefined);
  const record = await runBackup({ id: `db-bench-${String(round)}`, service: 'db', trigger: 'manual', source, dir, encryptKeyFile: null, onUpdate: () => undefined });
  const total = performance.now() - started;
  stop.done = true;
  await observer;
  if (record.state !== 'verified' || record.verification?.kind !== 'postgres') throw new Error(`Berth's backup did not verify: ${record.reason ?? 'no reason'}`);
  const v = record.verification;
  const sample: BerthSample = {
    total, count: seen.file - started, dump: seen.scratchIn - seen.file, verify: v.ms, drop: seen.scratchOut - seen.scratchIn - v.ms, finish: started + total - seen.scratchOut,
    bytes: record.size ?? NaN, rows: v.rows, tables: v.tables,
  };
  rmSync(dir, { recursive: true, force: true });
  return sample;
}

async function baselineSide(source: PgSource, file: string, round: number): Promise<BaselineSample> {
  const scratch = `bench_restore_${String(round)}`;
  rmSync(file, { force: true });
  const started = performance.now();
  const dump = await tool(source, 'pg_dump', ['--format=custom', `--file=${file}`, ...login(source), '--dbname', source.database]);
  const createdb = await tool(source, 'createdb', [...login(source), '--template=template0', scratch]);
  const restore = await tool(source, 'pg_restore', ['--no-owner', '--exit-on-error', ...login(source), '--dbname', scratch, file]);
  const drop = await tool(source, 'dropdb', [...login(source), '--force', scratch]);
  const total = performance.now() - started;
  const bytes = statSync(file).size;
  rmSync(file, { force: true });
  return { total, dump, createdb, restore, drop, bytes };
}

interface Profile { readonly countSource: number; readonly restore: number; readonly countRestored1: number; readonly countRestored2: number; readonly hash: number; readonly fsync: number; readonly drop: number }

/** One pass timing the parts Berth adds, in isolation (after the measured rounds). */
async function profile(source: PgSource, file: string): Promise<Profile> {
  const countSource = await withClient(source, async (c) => {
    await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await c.query('SELECT pg_export_snapshot()');
    const t = performance.now();
    await countTables(c);
    const ms = performance.now() - t;
    await c.query('ROLLBACK');
    return ms;
  });
  rmSync(file, { force: true });
  await tool(source, 'pg_dump', ['--format=custom', `--file=${file}`, ...login(source), '--dbname', source.database]);
  let t = performance.now();
  await hashFile(file);
  const hash = performance.now() - t;
  t = performance.now();
  await fsyncPath(file);
  const fsync = performance.now() - t;
  const scratch = 'bench_profile';
  await checkpoint(source);
  await tool(source, 'createdb', [...login(source), '--template=template0', scratch]);
  const restore = await tool(source, 'pg_restore', ['--no-owner', '--exit-on-error', ...login(source), '--dbname', scratch, file]);
  const [countRestored1, countRestored2] = await withClient({ ...source, database: scratch }, async (c) => {
    const times: number[] = [];
    for (let i = 0; i < 2; i += 1) {
      const s = performance.now();
      await countTables(c);
      times.push(performance.now() - s);
    }
    return times;
  });
  const drop = await tool(source, 'dropdb', [...login(source), '--force', scratch]);
  rmSync(file, { force: true });
  return { countSource, restore, countRestored1: countRestored1 ?? NaN, countRestored2: countRestored2 ?? NaN, hash, fsync, drop };
}

await runBench(120 * 60_000, async () => {
  const uptimeStart = uptime();
  log(`start: ${uptimeStart}`);
  const found = findPostgresBinaries(null, process.env.PATH);
  if (!found.ok) throw new Error(`needs the PostgreSQL server (apt-get install postgresql): ${found.reason}`);
  const port = await allocatePort();
  const dir = makeStackDir('backup', `services:\n  db:\n    recipe: postgres\n    port: ${String(port)}\n    data: ./data/db\n    database: app\n`);
  chmodSync(dir, 0o755);
  const loaded = loadStack({ file: join(dir, 'berth.yml') });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.diagnostics));
  const stateDir = join(dir, '.berth');
  const supervisor = new Supervisor({ stack: loaded.stack, stateDir, baseEnv: { PATH: process.env.PATH } });
  onCleanup(() => supervisor.down());
  await supervisor.up();
  await supervisor.waitReady(120_000);
  const password = readSecret(stateDir, postgresSecretNames('db').superuser);
  if (password === undefined) throw new Error('no superuser password in the recipe state folder');
  // As the daemon builds it (src/daemon/backup-sources.ts).
  const source: PgSource = { kind: 'postgres', host: '127.0.0.1', port, user: 'postgres', password, database: 'app', binDir: found.binaries.binDir };
  const settings = await withClient(source, async (c) => (await c.query<{ name: string; setting: string }>("SELECT name, current_setting(name) AS setting FROM pg_settings WHERE name IN ('shared_buffers','maintenance_work_mem','wal_level','synchronous_commit','fsync','max_wal_size','checkpoint_timeout')")).rows.map((r) => `${r.name}=${r.setting}`).join(', '));

  const filled = await fillDatabase(source, TARGET_BYTES, SCALE, log);
  log(`filled to ${mib(filled.bytes)} in ${sec(filled.ms)}`);

  const backupDir = join(dir, 'backups');
  const baselineFile = join(dir, 'baseline.dump');
  const berth: BerthSample[] = [];
  const base: BaselineSample[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    const order = round % 2 === 0 ? (['berth', 'baseline'] as const) : (['baseline', 'berth'] as const);
    for (const side of order) {
      await checkpoint(source);
      if (side === 'berth') {
        const s = await berthSide(source, backupDir, round);
        berth.push(s);
        log(`round ${String(round + 1)} berth ${sec(s.total)} (count ${sec(s.count)}, dump ${sec(s.dump)}, verify ${sec(s.verify)}, drop ${sec(s.drop)}, finish ${sec(s.finish)})`);
      } else {
        const s = await baselineSide(source, baselineFile, round);
        base.push(s);
        log(`round ${String(round + 1)} baseline ${sec(s.total)} (pg_dump ${sec(s.dump)}, createdb ${sec(s.createdb)}, pg_restore ${sec(s.restore)}, dropdb ${sec(s.drop)})`);
      }
    }
  }
  const prof = args['no-profile'] ? null : await profile(source, baselineFile);
  const uptimeEnd = uptime();

  const m = <T>(samples: readonly T[], pick: (s: T) => number): number => median(samples.map(pick));
  const ratio = m(berth, (s) => s.total) / m(base, (s) => s.total);
  const first = berth[0];
  console.log(`P8 backup + verification: PostgreSQL ${found.binaries.version}, database ${mib(filled.bytes)} on disk (pg_database_size), ${String(first?.tables ?? 0)} tables, ${String(first?.rows ?? 0)} rows, custom-format dump ${mib(first?.bytes ?? NaN)}; filled in ${sec(filled.ms)}; ${String(ROUNDS)} rounds, alternating which side goes first; ${settings}`);
  console.log(`Command: \`npx tsx bench/backup.bench.ts${process.argv.slice(2).length > 0 ? ` ${process.argv.slice(2).join(' ')}` : ''}\` · ${machineLine()}`);
  console.log(`uptime at start: ${uptimeStart}`);
  console.log(`uptime at end:   ${uptimeEnd}`);
  console.log(`tables: ${filled.tables.map((t) => `${t.name} ${String(t.rows)} rows ${mib(t.bytes)}`).join('; ')}`);
  console.log('');
  const row = (name: string, values: readonly number[]): string[] => [name, sec(median(values)), values.map((v) => fmt(v / 1000, 1)).join(' / ')];
  console.log(table(['step', 'median', 'rounds (s)'], [
    row('**(a) Berth `runBackup`, total**', berth.map((s) => s.total)),
    row('  count rows in the snapshot (start → first dump bytes)', berth.map((s) => s.count)),
    row('  pg_dump + fsync (→ scratch database appears)', berth.map((s) => s.dump)),
    row('  verify: createdb + pg_restore + count + compare (record `verification.ms`)', berth.map((s) => s.verify)),
    row('  drop scratch database', berth.map((s) => s.drop)),
    row('  sha256 + manifest + rename + fsync', berth.map((s) => s.finish)),
    row('**(b) pg_dump + createdb + pg_restore + dropdb, total**', base.map((s) => s.total)),
    row('  pg_dump -Fc', base.map((s) => s.dump)),
    row('  createdb', base.map((s) => s.createdb)),
    row('  pg_restore', base.map((s) => s.restore)),
    row('  dropdb --force', base.map((s) => s.drop)),
  ]));
  console.log('');
  console.log(`ratio (a)/(b), medians: ${fmt(ratio, 2)}× (per round: ${berth.map((s, i) => fmt(s.total / (base[i]?.total ?? NaN), 2)).join(', ')})`);
  if (prof !== null) {
    console.log(`profile (one pass, after the rounds): count rows in a snapshot of the source ${sec(prof.countSource)}; pg_restore ${sec(prof.restore)}; count rows in the fresh restore: first ${sec(prof.countRestored1)}, second ${sec(prof.countRestored2)}; sha256 of the dump ${sec(prof.hash)}; fsync of the dump after pg_dump ${sec(prof.fsync)}; dropdb ${sec(prof.drop)}`);
  }
  console.log(ratio <= TARGET_RATIO ? `target met: ${fmt(ratio, 2)}× ≤ ${String(TARGET_RATIO)}×` : `TARGET MISSED: ${fmt(ratio, 2)}× > ${String(TARGET_RATIO)}×`);
});
