// Redis backups: the key count of the exact snapshot (`MULTI; DBSIZE; INFO keyspace; BGSAVE; EXEC`), a wait until
// that BGSAVE is done, a copy of the RDB the server wrote (where CONFIG GET says it is; correct with AOF on, since
// BGSAVE always writes the RDB), verification with redis-check-rdb and a scratch server that loads the copy; and
// restores that leave an RDB and an AOF folder a server running with `appendonly yes` loads.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from 'redis';
import { runCommand } from '../exec/run-command.js';
import { isPortFree } from '../recipes/check-port-free.js';
import type { BackupSource, Verification } from './backup-types.js';
import { fsyncPath, hideSecrets, lastLines, messageOf, utcStamp } from './durable-file.js';
import { infoField, parseKeyspace, replyText, startScratchRedis } from './scratch-redis.js';

export type RedisSource = Extract<BackupSource, { kind: 'redis' }>;
export type RedisVerification = Extract<Verification, { kind: 'redis' }>;

/** What the snapshot held: keys over all databases, of which `expires` had a time to live. */
export interface RedisSnapshot {
  readonly keys: number;
  readonly expires: number;
  readonly serverVersion: string;
}

const SAVE_TIMEOUT_MS = 6 * 3600_000;
const LOAD_TIMEOUT_MS = 30 * 60_000;

const makeClient = (source: RedisSource) => createClient({ socket: { host: source.host, port: source.port, reconnectStrategy: false, connectTimeout: 10_000 }, ...(source.password === null ? {} : { password: source.password }), commandOptions: { timeout: 60_000 } });
type Client = ReturnType<typeof makeClient>;

async function withSource<T>(source: RedisSource, work: (client: Client) => Promise<T>): Promise<T> {
  const client = makeClient(source);
  client.on('error', () => undefined);
  try {
    try {
      await client.connect();
    } catch (error) {
      throw new Error(`cannot connect to Redis at ${source.host}:${String(source.port)}: ${hideSecrets(messageOf(error), [source.password])}`);
    }
    return await work(client);
  } catch (error) {
    throw new Error(hideSecrets(messageOf(error), [source.password]));
  } finally {
    if (client.isOpen) client.destroy();
  }
}

const info = async (client: Client, section: string): Promise<string> => replyText(await client.sendCommand(['INFO', section]));
const childRunning = (text: string): boolean => infoField(text, 'rdb_bgsave_in_progress') === '1' || infoField(text, 'aof_rewrite_in_progress') === '1' || infoField(text, 'module_fork_in_progress') === '1';

/** Takes a snapshot with BGSAVE and copies the RDB into `file` (created 0600). Throws an Error with the reason. */
export async function snapshotRedis(source: RedisSource, file: string): Promise<RedisSnapshot> {
  return withSource(source, async (client) => {
    const serverVersion = `Redis ${infoField(await info(client, 'server'), 'redis_version') ?? '?'}`;
    const rdb = await locateRdb(client, source);
    const deadline = Date.now() + SAVE_TIMEOUT_MS;
    // Why attempts: a save the server starts on its own (its `save` points) right after ours replaces the RDB
    // with a later snapshot than the one counted; then the copy is thrown away and the snapshot taken again.
    for (let attempt = 1; ; attempt++) {
      const snapshot = await takeSnapshot(client, deadline);
      await pipeline(createReadStream(rdb), createWriteStream(file, { flags: 'wx', mode: 0o600 }));
      const after = await info(client, 'persistence');
      // (rdb_saves is Redis 7's; older servers are trusted not to have saved again.)
      const unchanged = Number.isNaN(snapshot.savesBefore) || Number(infoField(after, 'rdb_saves')) === snapshot.savesBefore + 1;
      if (!childRunning(after) && unchanged) return { keys: snapshot.keys, expires: snapshot.expires, serverVersion };
      await rm(file, { force: true });
      if (attempt === 3) throw new Error(`another save replaced ${rdb} while it was being copied, ${String(attempt)} times; no copy of the counted snapshot could be made`);
    }
  });
}

// BGSAVE in a transaction with the key count, then the wait until that save is done.
async function takeSnapshot(client: Client, deadline: number): Promise<{ keys: number; expires: number; savesBefore: number }> {
  let snapshot: { keys: number; expires: number; savesBefore: number } | null = null;
  while (snapshot === null) {
    // A running child (an earlier BGSAVE, an AOF rewrite) makes BGSAVE refuse: wait for it, then try again.
    let persistence = await info(client, 'persistence');
    while (childRunning(persistence)) {
      if (Date.now() > deadline) throw new Error('Redis kept a background save or rewrite running; no snapshot could be started');
      await sleep(100);
      persistence = await info(client, 'persistence');
    }
    const savesBefore = Number(infoField(persistence, 'rdb_saves') ?? NaN);
    try {
      const replies = await client.multi().addCommand(['DBSIZE']).addCommand(['INFO', 'keyspace']).addCommand(['BGSAVE']).exec();
      const counted = parseKeyspace(replyText(replies[1]));
      snapshot = { keys: counted.keys, expires: counted.expires, savesBefore };
    } catch (error) {
      if (!/in progress/i.test(messageOf(error))) throw new Error(`BGSAVE was refused: ${messageOf(error)}`);
    }
  }
  // Done when no save runs and the count of saves went up since ours started (ours is the only one that can
  // have run in between: no other child can start while ours runs).
  for (;;) {
    const persistence = await info(client, 'persistence');
    const saves = Number(infoField(persistence, 'rdb_saves') ?? NaN);
    if (infoField(persistence, 'rdb_bgsave_in_progress') === '0' && !(saves <= snapshot.savesBefore)) {
      if (infoField(persistence, 'rdb_last_bgsave_status') !== 'ok') throw new Error(`BGSAVE failed: expected rdb_last_bgsave_status:ok, found ${infoField(persistence, 'rdb_last_bgsave_status') ?? 'nothing'} (the server's log says why, e.g. a full disk)`);
      break;
    }
    if (Date.now() > deadline) throw new Error('BGSAVE did not finish in time');
    await sleep(50);
  }
  return snapshot;
}

// Where the server writes its RDB, as it says (CONFIG GET), else the source's data folder and Redis's default name.
async function locateRdb(client: Client, source: RedisSource): Promise<string> {
  try {
    const dir = await client.configGet('dir');
    const name = await client.configGet('dbfilename');
    const folder = dir.dir;
    const file = name.dbfilename;
    if (folder !== undefined && file !== undefined && folder !== '' && file !== '') return join(folder, file);
  } catch {
    // CONFIG renamed or forbidden: fall back below.
  }
  return join(source.dataDir, 'dump.rdb');
}

/** Checks the RDB copy `file` (plain) with redis-check-rdb and by loading it into a scratch server, comparing its
 * keys with the snapshot's (keys that expired before the load count as loaded). */
export async function verifyRedisRdb(binDir: string | null, file: string, snapshot: Pick<RedisSnapshot, 'keys'>): Promise<RedisVerification> {
  const started = Date.now();
  const checker = binDir === null ? 'redis-check-rdb' : join(binDir, 'redis-check-rdb');
  const check = await runCommand({ argv: [checker, file], env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C' }, timeoutMs: LOAD_TIMEOUT_MS });
  if (check.code !== 0) {
    const detail = check.error === undefined ? `redis-check-rdb found the file damaged: ${lastLines(check.output, 3)}` : `redis-check-rdb could not be started: ${check.error}`;
    return { kind: 'redis', ok: false, keys: snapshot.keys, loadedKeys: null, ms: Date.now() - started, detail };
  }
  let loaded: number | null = null;
  let expired = 0;
  let detail: string;
  try {
    const scratch = await startScratchRedis({ binDir, dir: dirname(file), dbfilename: basename(file), timeoutMs: LOAD_TIMEOUT_MS });
    try {
      loaded = parseKeyspace(replyText(await scratch.send(['INFO', 'keyspace']))).keys;
      expired = Number(infoField(replyText(await scratch.send(['INFO', 'persistence'])), 'rdb_last_load_keys_expired') ?? 0);
    } finally {
      await scratch.stop();
    }
    detail = `redis-check-rdb: OK; a scratch server loaded ${String(loaded)} keys${expired > 0 ? ` (${String(expired)} more had expired)` : ''}, the snapshot had ${String(snapshot.keys)}`;
  } catch (error) {
    detail = `redis-check-rdb: OK, but loading into a scratch server failed: ${messageOf(error)}`;
  }
  const ok = loaded !== null && loaded + expired === snapshot.keys;
  return { kind: 'redis', ok, keys: snapshot.keys, loadedKeys: loaded, ms: Date.now() - started, detail };
}

export interface RedisRestoreTarget {
  readonly kind: 'redis';
  /** The server's data folder (`dir`); the caller has stopped the server. */
  readonly dataDir: string;
  readonly binDir: string | null;
  /** The server's port: when given, a server still answering there makes the restore refuse. */
  readonly port?: number;
  /** Defaults: Redis's (`dump.rdb`, `appendonlydir`, `appendonly.aof`), as the recipe leaves them. */
  readonly dbfilename?: string;
  readonly appenddirname?: string;
  readonly appendfilename?: string;
}

/** Puts a plain RDB (`file`) in place of the server's data: the current RDB and AOF are moved aside into
 * `<dataDir>/../<name>.replaced-<time>/` (never deleted), the RDB is copied in, and a scratch server loads it and
 * rewrites the AOF from it, so that a server started with `appendonly yes` loads exactly the backup (Redis 7 with
 * AOF on ignores an RDB without an AOF). On failure what Berth wrote is removed and the old files are put back.
 * Returns the folder the old files were moved to. */
export async function restoreRedisRdb(file: string, expectedKeys: number | null, target: RedisRestoreTarget): Promise<string> {
  const dbfilename = target.dbfilename ?? 'dump.rdb';
  const appenddirname = target.appenddirname ?? 'appendonlydir';
  const appendfilename = target.appendfilename ?? 'appendonly.aof';
  if (target.port !== undefined && !(await isPortFree(target.port))) throw new Error(`cannot restore Redis while it runs: expected nothing listening on port ${String(target.port)}, found something (stop the service first)`);
  const dataDir = target.dataDir;
  if (!(await stat(dataDir).then((s) => s.isDirectory(), () => false))) throw new Error(`cannot restore Redis: expected the data folder ${dataDir}, found nothing there`);
  const aside = `${join(dirname(dataDir), basename(dataDir))}.replaced-${utcStamp(Date.now())}`;
  await mkdir(aside, { mode: 0o700 });
  const moved: string[] = [];
  for (const name of [dbfilename, appenddirname, appendfilename]) {
    const from = join(dataDir, name);
    if (await stat(from).then(() => true, () => false)) {
      await rename(from, join(aside, name));
      moved.push(name);
    }
  }
  await fsyncPath(dataDir);
  try {
    const partial = join(dataDir, `${dbfilename}.berth-restore.partial`);
    await pipeline(createReadStream(file), createWriteStream(partial, { flags: 'wx', mode: 0o600 }));
    await fsyncPath(partial);
    await rename(partial, join(dataDir, dbfilename));
    const scratch = await startScratchRedis({ binDir: target.binDir, dir: dataDir, dbfilename, timeoutMs: LOAD_TIMEOUT_MS, extraArgs: ['--appenddirname', appenddirname, '--appendfilename', appendfilename] });
    try {
      const keys = parseKeyspace(replyText(await scratch.send(['INFO', 'keyspace']))).keys;
      if (expectedKeys !== null && keys > expectedKeys) throw new Error(`the backup loaded with ${String(keys)} keys, expected at most ${String(expectedKeys)}`);
      await scratch.send(['CONFIG', 'SET', 'appendonly', 'yes']);
      const deadline = Date.now() + LOAD_TIMEOUT_MS;
      for (;;) {
        const persistence = replyText(await scratch.send(['INFO', 'persistence']));
        const done = infoField(persistence, 'aof_enabled') === '1' && infoField(persistence, 'aof_rewrite_in_progress') === '0' && infoField(persistence, 'aof_rewrite_scheduled') === '0';
        if (done) {
          if (infoField(persistence, 'aof_last_bgrewrite_status') !== 'ok') throw new Error(`rewriting the AOF from the backup failed: expected aof_last_bgrewrite_status:ok, found ${infoField(persistence, 'aof_last_bgrewrite_status') ?? 'nothing'}`);
          break;
        }
        if (Date.now() > deadline) throw new Error('rewriting the AOF from the backup did not finish in time');
        await sleep(50);
      }
    } finally {
      await scratch.stop();
    }
    await fsyncPath(dataDir);
  } catch (error) {
    // Only what this restore wrote goes; then the previous files come back.
    // (the server is stopped and every original was moved aside, so whatever is at these names now is this restore's)
    for (const name of [`${dbfilename}.berth-restore.partial`, dbfilename, appenddirname, appendfilename]) await rm(join(dataDir, name), { recursive: true, force: true }).catch(() => undefined);
    for (const name of moved) await rename(join(aside, name), join(dataDir, name)).catch(() => undefined);
    if ((await readdir(aside).catch(() => ['?'])).length === 0) await rmdir(aside).catch(() => undefined);
    throw new Error(`restoring Redis into ${dataDir} failed, the previous files are back in place: ${messageOf(error)}`);
  }
  return aside;
}
