// A throwaway redis-server for verifying and preparing RDB files: no TCP port (a Unix socket in a private temp
// folder), no saving, in its own process group, always stopped by the caller (`stop()` in a finally).
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from 'redis';
import { recordChild } from '../exec/child-records.js';
import { stopProcessGroup } from '../exec/stop-process-group.js';
import { findRedisServer } from '../recipes/redis-binary.js';
import { lastLines, messageOf } from './durable-file.js';

export interface ScratchRedis {
  /** Runs one raw command. */
  send(args: string[]): Promise<unknown>;
  /** Stops the server and its process group, and removes its socket folder. Never throws. */
  stop(): Promise<void>;
}

export interface ScratchRedisSpec {
  readonly binDir: string | null;
  /** The folder the server reads `dbfilename` from (and writes to, when told to). */
  readonly dir: string;
  readonly dbfilename: string;
  readonly timeoutMs: number;
  /** More server arguments (e.g. `--appenddirname`). */
  readonly extraArgs?: readonly string[];
}

/** Starts a scratch server that loads `<dir>/<dbfilename>` with AOF off, and resolves once it has loaded it
 * (INFO shows `loading:0`). Throws an Error with the server's own words when it does not start. */
export async function startScratchRedis(spec: ScratchRedisSpec): Promise<ScratchRedis> {
  const found = findRedisServer(spec.binDir, process.env.PATH);
  if (!found.ok) throw new Error(`cannot start a scratch redis-server: ${found.reason}`);
  const socketDir = await mkdtemp(join(tmpdir(), 'berth-redis-'));
  const socket = join(socketDir, 'redis.sock');
  const args = ['--port', '0', '--unixsocket', socket, '--unixsocketperm', '700', '--dir', spec.dir, '--dbfilename', spec.dbfilename, '--appendonly', 'no', '--save', '', '--daemonize', 'no', '--logfile', '', '--protected-mode', 'yes', ...(spec.extraArgs ?? [])];
  const child = spawn(found.file, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
  // A server: if the daemon dies during the verification, the next daemon must stop it.
  const forget = recordChild(child.pid, 'scratch-redis');
  let output = '';
  const state: { exited: string | null } = { exited: null };
  const collect = (chunk: Buffer): void => {
    if (output.length < 16_384) output += chunk.toString('utf8');
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  child.once('error', (error) => {
    state.exited = error.message;
  });
  child.once('exit', (code, signal) => {
    state.exited = signal === null ? `exit status ${String(code)}` : `signal ${signal}`;
  });
  const makeClient = () => {
    const made = createClient({ socket: { path: socket, reconnectStrategy: false, connectTimeout: 2000 }, commandOptions: { timeout: spec.timeoutMs } });
    made.on('error', () => undefined);
    return made;
  };
  let client = makeClient();
  const stop = async (): Promise<void> => {
    if (client.isOpen) client.destroy();
    if (child.pid !== undefined) await stopProcessGroup(child.pid, 'SIGTERM', 5000).catch(() => undefined);
    forget();
    await rm(socketDir, { recursive: true, force: true });
  };
  try {
    const deadline = Date.now() + spec.timeoutMs;
    for (;;) {
      if (state.exited !== null) throw new Error(`the scratch redis-server stopped (${state.exited}) before it had loaded ${spec.dbfilename}: ${lastLines(output, 3)}`);
      if (Date.now() > deadline) throw new Error(`the scratch redis-server did not load ${spec.dbfilename} within ${String(spec.timeoutMs)} ms`);
      try {
        if (!client.isOpen) await client.connect();
        const info = replyText(await client.sendCommand(['INFO', 'persistence']));
        if (/^loading:0\r?$/m.test(info)) break;
      } catch (error) {
        if (client.isOpen && !/LOADING/.test(messageOf(error))) throw error;
        // Not listening yet: a fresh client for the next try.
        if (!client.isOpen) client = makeClient();
      }
      await sleep(25);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { send: (command) => client.sendCommand(command), stop };
}

/** A reply as text (INFO answers with a bulk string). */
export function replyText(reply: unknown): string {
  if (typeof reply === 'string') return reply;
  if (Buffer.isBuffer(reply)) return reply.toString('utf8');
  if (typeof reply === 'number' || typeof reply === 'bigint') return reply.toString();
  // null, arrays and maps; undefined becomes `null` (JSON.stringify(undefined) is no string).
  return JSON.stringify(reply ?? null);
}

/** Total keys over every database, from INFO keyspace text (`db0:keys=3,expires=1,...`). */
export function parseKeyspace(info: string): { keys: number; expires: number } {
  let keys = 0;
  let expires = 0;
  for (const match of info.matchAll(/^db\d+:keys=(\d+),expires=(\d+)/gm)) {
    keys += Number(match[1]);
    expires += Number(match[2]);
  }
  return { keys, expires };
}

/** One `field:value` of INFO text, or undefined. */
export function infoField(info: string, field: string): string | undefined {
  return new RegExp(`^${field}:(.*?)\\r?$`, 'm').exec(info)?.[1];
}
