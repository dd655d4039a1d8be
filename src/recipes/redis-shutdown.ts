// Stops a redis server cleanly: `SHUTDOWN SAVE` fsyncs the AOF and writes a final snapshot before the process exits,
// so every acknowledged write is on disk. The runner's stop signal (SIGTERM) follows either way, as the fallback.
import { SocketClosedUnexpectedlyError } from 'redis';
import { withRedis } from './redis-client.js';

export type RedisShutdownResult = 'shut-down' | 'refused' | 'unreachable';

/** Sends SHUTDOWN SAVE; never throws. */
export async function shutdownRedis(url: string, timeoutMs: number, signal: AbortSignal): Promise<RedisShutdownResult> {
  const state = { connected: false };
  try {
    await withRedis(url, timeoutMs, async (client) => {
      state.connected = true;
      await client.sendCommand(['SHUTDOWN', 'SAVE']);
    }, signal);
    // A reply at all means the server refused (`ERR Errors trying to SHUTDOWN`) and is still running.
    return 'refused';
  } catch (error) {
    // Why the closed socket counts as success: the server answers SHUTDOWN by exiting, after the save.
    if (state.connected && error instanceof SocketClosedUnexpectedlyError) return 'shut-down';
    return state.connected ? 'refused' : 'unreachable';
  }
}
