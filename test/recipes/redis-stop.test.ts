import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { listGroupMembers } from '../../src/exec/proc-stat.js';
import { classifyRedisError, hideRedisPassword } from '../../src/recipes/redis-client.js';
import { shutdownRedis } from '../../src/recipes/redis-shutdown.js';
import { allocatePort } from '../../src/supervisor/allocate-port.js';
import { superviseStack } from './postgres-helpers.js';
import { makeRedisStack, requireRedis, withClient } from './redis-helpers.js';

describe('redis client helpers', () => {
  it('sorts authentication errors from "not up yet" and hides the password', () => {
    const url = 'redis://:hunter2@127.0.0.1:6379';
    assert.equal(classifyRedisError(new Error('WRONGPASS invalid username-password pair or user is disabled.'), url).kind, 'refused');
    assert.equal(classifyRedisError(new Error('NOAUTH Authentication required.'), url).kind, 'refused');
    assert.equal(classifyRedisError(new Error('connect ECONNREFUSED 127.0.0.1:6379'), url).kind, 'not-ready');
    assert.equal(classifyRedisError(new Error('LOADING Redis is loading the dataset in memory'), url).kind, 'not-ready');
    assert.equal(hideRedisPassword('AUTH hunter2 failed', url), 'AUTH *** failed');
    assert.equal(hideRedisPassword('nothing to hide', 'redis://127.0.0.1:6379'), 'nothing to hide');
  });

  it('reports an unreachable server at once instead of waiting', async () => {
    const port = await allocatePort();
    const started = Date.now();
    assert.equal(await shutdownRedis(`redis://127.0.0.1:${String(port)}`, 5000, new AbortController().signal), 'unreachable');
    assert.ok(Date.now() - started < 4000);
  });
});

describe('redis stop fallback (real server)', { timeout: 60_000 }, () => {
  before(requireRedis);

  it('falls back to SIGTERM when the server refuses SHUTDOWN, and still keeps the data', async () => {
    // A server without the SHUTDOWN command answers it with an error; the stop signal must still end it cleanly.
    const { dir, port } = await makeRedisStack('services:\n  cache: { recipe: redis, port: PORT, data: ./data/cache, args: [--rename-command, SHUTDOWN, ""] }\n');
    const url = `redis://127.0.0.1:${String(port)}`;
    const first = superviseStack(dir);
    let pgid = 0;
    try {
      await first.supervisor.up();
      assert.deepEqual(await first.supervisor.waitReady(30_000), { ok: true });
      pgid = first.supervisor.status()[0]?.pid ?? 0;
      assert.equal(await withClient(url, (send) => send(['SET', 'kept', 'yes'])), 'OK');
      assert.equal(await shutdownRedis(url, 5000, new AbortController().signal), 'refused');
    } finally {
      await first.supervisor.down();
    }
    assert.ok(pgid > 0);
    assert.deepEqual(listGroupMembers(pgid), [], 'SIGTERM ended it');
    assert.match(readFileSync(join(dir, '.berth', 'logs', 'cache.log'), 'utf8'), /Received SIGTERM/);
    const second = superviseStack(dir);
    try {
      await second.supervisor.up();
      assert.deepEqual(await second.supervisor.waitReady(30_000), { ok: true });
      assert.equal(await withClient(url, (send) => send(['GET', 'kept'])), 'yes');
    } finally {
      await second.supervisor.down();
    }
  });
});
