// Real servers for the backup tests, each in a temp folder on a free port, each in its own process group:
// PostgreSQL (initdb as the recipe does it, run as `postgres` when the tests run as root) and Redis (the config the
// recipe writes, so AOF is on as in production). Every `stop()` is safe to call twice.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { createClient } from 'redis';
import { stopProcessGroup } from '../../src/exec/stop-process-group.js';
import { findPostgresBinaries } from '../../src/recipes/find-postgres.js';
import { initPostgresCluster } from '../../src/recipes/postgres-init.js';
import { findRedisServer } from '../../src/recipes/redis-binary.js';
import { renderRedisConfig } from '../../src/recipes/redis-config.js';
import { findSystemUser, runsAsRoot, type SystemUser } from '../../src/recipes/unprivileged-user.js';
import { allocatePort } from '../../src/supervisor/allocate-port.js';

export interface TestPostgres {
  readonly binDir: string;
  readonly port: number;
  /** The superuser `postgres`'s password. */
  readonly password: string;
  readonly dir: string;
  readonly user: SystemUser | undefined;
  query(database: string, text: string, values?: unknown[]): Promise<Record<string, unknown>[]>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

function collect(child: ChildProcess): () => string {
  let output = '';
  const add = (chunk: Buffer): void => {
    if (output.length < 32_768) output += chunk.toString('utf8');
  };
  child.stdout?.on('data', add);
  child.stderr?.on('data', add);
  return () => output;
}

/** A fresh cluster (scram-sha-256, superuser `postgres` with a random password), started. */
export async function startTestPostgres(): Promise<TestPostgres> {
  const found = findPostgresBinaries(null, process.env.PATH);
  if (!found.ok) throw new Error(`these tests need the PostgreSQL server: apt-get install postgresql (${found.reason})`);
  const binDir = found.binaries.binDir;
  const dir = mkdtempSync(join(tmpdir(), 'berth-backup-pg-'));
  chmodSync(dir, 0o755);
  const dataDir = join(dir, 'data');
  const socketDir = join(dir, 'run');
  mkdirSync(dataDir, { mode: 0o700 });
  mkdirSync(socketDir, { mode: 0o700 });
  const user = runsAsRoot() ? findSystemUser(['postgres', 'nobody']) : undefined;
  if (user !== undefined) {
    chownSync(dataDir, user.uid, user.gid);
    chownSync(socketDir, user.uid, user.gid);
  }
  const password = `pw-${Math.random().toString(36).slice(2)}-secret`;
  const init = await initPostgresCluster({ binDir, dataDir, socketDir, password, user });
  if (!init.ok) throw new Error(`initdb failed: ${init.output}`);
  const port = await allocatePort();
  let child: ChildProcess | undefined;
  const query = async (database: string, text: string, values: unknown[] = []): Promise<Record<string, unknown>[]> => {
    const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password, database, connectionTimeoutMillis: 5000 });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return (await client.query(text, values)).rows as Record<string, unknown>[];
    } finally {
      await client.end();
    }
  };
  const start = async (): Promise<void> => {
    const args = ['-D', dataDir, '-p', String(port), '-k', socketDir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=40'];
    const spawned = spawn(join(binDir, 'postgres'), args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], cwd: dataDir, env: { PATH: process.env.PATH ?? '', LANG: 'C' }, ...(user === undefined ? {} : { uid: user.uid, gid: user.gid }) });
    child = spawned;
    const output = collect(spawned);
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        await query('postgres', 'SELECT 1');
        return;
      } catch (error) {
        if (spawned.exitCode !== null || Date.now() > deadline) throw new Error(`postgres did not start: ${(error as Error).message}\n${output()}`);
        await sleep(100);
      }
    }
  };
  const stop = async (): Promise<void> => {
    if (child?.pid !== undefined) await stopProcessGroup(child.pid, 'SIGINT', 20_000);
    child = undefined;
  };
  await start();
  return { binDir, port, password, dir, user, query, start, stop };
}

export interface TestRedis {
  readonly port: number;
  readonly password: string;
  readonly dataDir: string;
  readonly configFile: string;
  send(args: string[], db?: number): Promise<unknown>;
  start(): Promise<void>;
  /** SHUTDOWN SAVE (as the recipe stops it), then the group. */
  stop(): Promise<void>;
}

/** A redis-server started as the recipe starts it: the generated config (AOF on, appendfsync everysec, requirepass). */
export async function startTestRedis(): Promise<TestRedis> {
  const found = findRedisServer(null, process.env.PATH);
  if (!found.ok) throw new Error(`these tests need the Redis server: apt-get install redis-server (${found.reason})`);
  const dir = mkdtempSync(join(tmpdir(), 'berth-backup-redis-'));
  const dataDir = join(dir, 'data', 'cache');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  mkdirSync(join(dir, 'run'), { mode: 0o700 });
  const port = await allocatePort();
  const password = `redis-${Math.random().toString(36).slice(2)}-secret`;
  const configFile = join(dir, 'run', 'cache.redis.conf');
  writeFileSync(configFile, renderRedisConfig({ service: 'cache', port, dataDir, appendfsync: 'everysec', password }), { mode: 0o600 });
  let child: ChildProcess | undefined;
  const send = async (args: string[], db = 0): Promise<unknown> => {
    const client = createClient({ socket: { host: '127.0.0.1', port, reconnectStrategy: false, connectTimeout: 5000 }, password, database: db });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return await client.sendCommand(args);
    } finally {
      client.destroy();
    }
  };
  const start = async (): Promise<void> => {
    const spawned = spawn(found.file, [configFile], { detached: true, stdio: ['ignore', 'pipe', 'pipe'], cwd: dataDir, env: { PATH: process.env.PATH ?? '' } });
    child = spawned;
    const output = collect(spawned);
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        if ((await send(['PING'])) === 'PONG') return;
      } catch (error) {
        if (spawned.exitCode !== null || Date.now() > deadline) throw new Error(`redis-server did not start: ${(error as Error).message}\n${output()}`);
      }
      await sleep(50);
    }
  };
  const stop = async (): Promise<void> => {
    if (child?.pid === undefined) return;
    await send(['SHUTDOWN', 'SAVE']).catch(() => undefined);
    await stopProcessGroup(child.pid, 'SIGTERM', 10_000);
    child = undefined;
  };
  await start();
  return { port, password, dataDir, configFile, send, start, stop };
}
