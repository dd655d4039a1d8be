// P1 for the postgres recipe: how long after PostgreSQL starts answering queries does Berth mark it ready?
// Each run starts the recipe (an existing cluster, as on every start but the first) under the in-process
// Supervisor while a witness connects as the app role and runs SELECT 1 every 2 ms from the spawn on; the first
// witness success is "accepting queries". Baseline in the same run: compose's usual healthcheck command,
// `pg_isready`, polled every 500 ms (the depends_on poll period) from the same spawn.
// Run: npx tsx bench/postgres-readiness.bench.ts [runs]
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { loadStack } from '../src/config/load-stack.js';
import { runCommand } from '../src/exec/run-command.js';
import { findPostgresBinaries } from '../src/recipes/find-postgres.js';
import { allocatePort } from '../src/supervisor/allocate-port.js';
import { Supervisor } from '../src/supervisor/supervisor.js';
import type { SupervisorEvent } from '../src/supervisor/supervisor-types.js';
import { fmt, machineLine, makeStackDir, median, quantile, runBench, sleep, table } from './support/harness.js';

const RUNS = Number(process.argv[2] ?? 15);
const TARGET_MS = 30;
const WITNESS_EVERY_MS = 2;
const ISREADY_EVERY_MS = 500;

interface Sample { readonly accepting: number; readonly berth: number; readonly isready: number }

/** The first time a SELECT 1 as the app role succeeds, polling from now on. */
async function witness(url: string, stop: { done: boolean }): Promise<number> {
  while (!stop.done) {
    const started = Date.now();
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      await client.end();
      return started;
    } catch {
      await client.end().catch(() => undefined);
    }
    await sleep(WITNESS_EVERY_MS);
  }
  return NaN;
}

/** The first time `pg_isready` says yes, polling every 500 ms from now on. */
async function isReadyPoller(binDir: string, port: number, stop: { done: boolean }): Promise<number> {
  while (!stop.done) {
    const result = await runCommand({ argv: [join(binDir, 'pg_isready'), '-h', '127.0.0.1', '-p', String(port)], timeoutMs: 5000 });
    if (result.code === 0) return Date.now();
    await sleep(ISREADY_EVERY_MS);
  }
  return NaN;
}

async function oneRun(dir: string, binDir: string, port: number): Promise<Sample> {
  const loaded = loadStack({ file: join(dir, 'berth.yml') });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.diagnostics));
  const supervisor = new Supervisor({ stack: loaded.stack, stateDir: join(dir, '.berth'), baseEnv: { PATH: process.env.PATH } });
  const events: SupervisorEvent[] = [];
  supervisor.subscribe((event) => events.push(event));
  const stop = { done: false };
  let url = '';
  // The witness needs the role's URL: known once the instance is prepared, so start it on the spawn event.
  const spawned = new Promise<void>((resolve) => supervisor.subscribe((event) => {
    if (event.type === 'state' && event.status.phase === 'starting') resolve();
  }));
  try {
    await supervisor.up();
    await spawned;
    url = supervisor.lookup('db', 'url') ?? '';
    const [accepting, isready] = await Promise.all([witness(url, stop), isReadyPoller(binDir, port, stop), supervisor.waitReady(60_000)]);
    const ready = events.find((e) => e.type === 'state' && e.status.ready === true);
    return { accepting, berth: ready?.time ?? NaN, isready };
  } finally {
    stop.done = true;
    await supervisor.down();
  }
}

await runBench(20 * 60_000, async () => {
  const found = findPostgresBinaries(null, process.env.PATH);
  if (!found.ok) throw new Error(`needs the PostgreSQL server (apt-get install postgresql): ${found.reason}`);
  const port = await allocatePort();
  const dir = makeStackDir('pg-ready', `services:\n  db:\n    recipe: postgres\n    port: ${String(port)}\n    data: ./data/db\n    database: app\n`);
  chmodSync(dir, 0o755);
  await oneRun(dir, found.binaries.binDir, port); // first start: initdb, not measured
  const samples: Sample[] = [];
  for (let i = 0; i < RUNS; i += 1) samples.push(await oneRun(dir, found.binaries.binDir, port));
  const berth = samples.map((s) => s.berth - s.accepting);
  const isready = samples.map((s) => s.isready - s.accepting);
  console.log(`postgres readiness: ${String(RUNS)} starts of an existing PostgreSQL ${found.binaries.version} cluster; ${machineLine()}`);
  const row = (name: string, values: number[]): string[] => [name, `${fmt(median(values))} ms`, `${fmt(quantile(values, 0.95))} ms`, `${fmt(Math.min(...values))} ms`, `${fmt(Math.max(...values))} ms`];
  console.log(table(['detector', 'median', 'p95', 'min', 'max'], [row('berth (role login + SELECT 1, tried every 5 ms)', berth), row(`pg_isready every ${String(ISREADY_EVERY_MS)} ms`, isready)]));
  console.log(`ratio pg_isready poller / berth (medians): ${fmt(median(isready) / Math.max(1, median(berth)))}×`);
  const met = median(berth) <= TARGET_MS;
  console.log(met ? `target met: median ${fmt(median(berth))} ms ≤ ${String(TARGET_MS)} ms` : `TARGET MISSED: median ${fmt(median(berth))} ms > ${String(TARGET_MS)} ms`);
});
