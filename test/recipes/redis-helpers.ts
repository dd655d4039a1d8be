// Shared by the redis recipe tests: the server must be installed, a stack folder with a free port, a client.
import { createClient } from 'redis';
import { findRedisServer } from '../../src/recipes/redis-binary.js';
import { allocatePort } from '../../src/supervisor/allocate-port.js';
import { writeFiles } from '../helpers/temp-stack.js';

/** Fails with the package to install when `redis-server` is missing. */
export function requireRedis(): void {
  const found = findRedisServer(null, process.env.PATH);
  if (!found.ok) throw new Error(`these tests need the Redis server: apt-get install redis-server (${found.reason})`);
}

/** A stack folder holding `yaml` with PORT filled in by a free port. */
export async function makeRedisStack(yaml: string, files: Readonly<Record<string, string>> = {}): Promise<{ dir: string; port: number }> {
  const port = await allocatePort();
  return { dir: writeFiles({ 'berth.yml': yaml.replaceAll('PORT', String(port)), ...files }), port };
}

/** Connects to `url`, runs `work` with a raw command function, and closes the connection. */
export async function withClient<T>(url: string, work: (send: (args: string[]) => Promise<unknown>) => Promise<T>): Promise<T> {
  const client = createClient({ url, socket: { reconnectStrategy: false, connectTimeout: 5000 } });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work((args) => client.sendCommand(args));
  } finally {
    client.destroy();
  }
}

/** The pid of the server behind `url` (its process group, as Berth spawns it), from INFO server. */
export async function serverPid(url: string): Promise<number> {
  const info = String(await withClient(url, (send) => send(['INFO', 'server'])));
  return Number(/process_id:(\d+)/.exec(info)?.[1] ?? 0);
}
