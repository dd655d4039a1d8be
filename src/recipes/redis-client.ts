// Small helpers over node-redis: one connection, one purpose, always closed, never reconnecting; errors sorted into
// "not up yet" (keep waiting) and "refused our login" (stop at once: waiting will not fix a wrong password).
import { createClient } from 'redis';

export type RedisProblem = { readonly kind: 'not-ready'; readonly message: string } | { readonly kind: 'refused'; readonly message: string };

/** What Berth asks of a connection: PING, and raw commands (SHUTDOWN SAVE). */
export interface RedisConnection {
  ping(): Promise<string>;
  sendCommand(args: string[]): Promise<unknown>;
}

// WRONGPASS: wrong password; NOAUTH: the server wants one and none was given; `ERR AUTH ...`/`ERR invalid password`:
// a password sent to a server that has another or none (older servers word it so).
const REFUSED = /^(?:WRONGPASS|NOAUTH|ERR AUTH|ERR invalid password|ERR Client sent AUTH)/;

/** The URL's password, shown as `***` wherever it might appear in `text`. */
export function hideRedisPassword(text: string, url: string): string {
  const password = decodeURIComponent(new URL(url).password);
  return password === '' ? text : text.replaceAll(password, '***');
}

/** Sorts a connection or command error: refused (authentication) or not ready yet. */
export function classifyRedisError(error: unknown, url: string): RedisProblem {
  const message = hideRedisPassword(error instanceof Error ? error.message : String(error), url);
  return REFUSED.test(message) ? { kind: 'refused', message } : { kind: 'not-ready', message };
}

/** Where a redis URL points, without its password: `127.0.0.1:6379`. */
export const describeRedisUrl = (url: string): string => new URL(url).host;

/** Connects, runs `work`, and closes the connection whatever happens. Settles within about twice `timeoutMs`,
 * or as soon as `signal` aborts. */
export async function withRedis<T>(url: string, timeoutMs: number, work: (client: RedisConnection) => Promise<T>, signal?: AbortSignal): Promise<T> {
  const client = createClient({ url, socket: { reconnectStrategy: false, connectTimeout: timeoutMs }, commandOptions: { timeout: timeoutMs } });
  // Why a listener: node-redis emits every socket and auth error as 'error' too; unheard, it would crash Berth.
  client.on('error', () => undefined);
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  // Why our own deadline: a stop or a probe must never wait on a promise the library forgets to settle.
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`no answer within ${String(2 * timeoutMs)} ms`));
    }, 2 * timeoutMs);
    onAbort = () => {
      reject(new Error('aborted'));
    };
    if (signal?.aborted === true) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
  const session = (async () => {
    await client.connect();
    return await work({ ping: () => client.ping(), sendCommand: (args) => client.sendCommand(args) });
  })();
  session.catch(() => undefined); // settled below or abandoned to the deadline; either way handled
  try {
    return await Promise.race([session, deadline]);
  } finally {
    clearTimeout(timer);
    if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
    if (client.isOpen) client.destroy();
  }
}
