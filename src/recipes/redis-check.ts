// The redis probe: connect with the recipe's password and send PING, so "ready" means the server answers commands
// (not merely that its port is open, nor that it is still loading its data set).
import { makeResult } from '../health/probe-output.js';
import type { ProbeCheck } from '../health/probe-types.js';
import { parseDuration } from '../shared/duration.js';
import { classifyRedisError, describeRedisUrl, withRedis } from './redis-client.js';

/** Passes when PING answers PONG over a fresh connection. The password never appears in the output. */
export const checkRedis: ProbeCheck = async (probe, target, signal) => {
  const startedAt = Date.now();
  const url = target.recipeUrl;
  if (url === undefined) return makeResult(false, 'no connection URL for this instance (not a redis recipe)', startedAt);
  const where = describeRedisUrl(url);
  if (signal.aborted) return makeResult(false, 'aborted', startedAt);
  try {
    const reply = await withRedis(url, parseDuration(probe.timeout) ?? 2000, (client) => client.ping());
    return reply === 'PONG' ? makeResult(true, `PING answered PONG at ${where}`, startedAt) : makeResult(false, `PING at ${where} answered ${JSON.stringify(reply).slice(0, 80)}`, startedAt);
  } catch (error) {
    return makeResult(false, `${where}: ${classifyRedisError(error, url).message}`, startedAt);
  }
};
