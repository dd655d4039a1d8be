import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { main } from '../../src/cli/main.js';
import { getStatePaths } from '../../src/daemon/state-paths.js';
import { listGroupMembers, readProcStat } from '../../src/exec/proc-stat.js';
import { captureIo } from '../helpers/capture-io.js';
import { makeRedisStack, requireRedis, serverPid, withClient } from './redis-helpers.js';

const KEYS = 500;

/** Waits until `pid` has exited (gone, or a zombie awaiting its parent). */
async function waitForExit(pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const stat = readProcStat(pid);
    if (stat === undefined || stat.state === 'Z') return;
    if (Date.now() > deadline) throw new Error(`process ${String(pid)} still runs after ${String(timeoutMs)} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('redis recipe under the daemon', { timeout: 120_000 }, () => {
  before(requireRedis);

  it('keeps every write acknowledged before the daemon received SIGTERM, and leaves no server behind', async () => {
    const { dir, port } = await makeRedisStack('services:\n  cache: { recipe: redis, port: PORT, data: ./data/cache, password: "${REDIS_PASSWORD}" }\n', { '.env': 'REDIS_PASSWORD=daemon-secret\n' });
    const paths = getStatePaths(join(dir, 'berth.yml'));
    const env = { PATH: process.env.PATH ?? '' };
    const url = `redis://:daemon-secret@127.0.0.1:${String(port)}`;
    let secondPid = 0;
    try {
      const up = captureIo(dir, env);
      assert.equal(await main(['up', '-d'], up), 0, up.err());
      const daemonPid = (JSON.parse(readFileSync(join(paths.stateDir, 'daemon.json'), 'utf8')) as { pid: number }).pid;
      const redisPid = await serverPid(url);
      assert.ok(redisPid > 0 && redisPid !== daemonPid);
      // Each SET is acknowledged before the next is sent; the last one just before the signal.
      await withClient(url, async (send) => {
        for (let i = 0; i < KEYS; i += 1) assert.equal(await send(['SET', `key:${String(i)}`, `value-${String(i)}`]), 'OK');
      });
      process.kill(daemonPid, 'SIGTERM');
      await waitForExit(daemonPid, 60_000);
      assert.deepEqual(listGroupMembers(redisPid), [], 'no redis-server process outlives the daemon');
      const log = readFileSync(join(paths.logsDir, 'cache.log'), 'utf8');
      assert.match(log, /User requested shutdown/, 'stopped by SHUTDOWN SAVE, not by the signal');
      assert.match(log, /DB saved on disk/);
      assert.doesNotMatch(log, /daemon-secret/, 'the password is not in the service log');

      const again = captureIo(dir, env);
      assert.equal(await main(['up', '-d'], again), 0, again.err());
      const values = await withClient(url, (send) => send(['MGET', ...Array.from({ length: KEYS }, (_, i) => `key:${String(i)}`)]));
      assert.deepEqual(values, Array.from({ length: KEYS }, (_, i) => `value-${String(i)}`), 'every acknowledged write survived');
      secondPid = await serverPid(url);
    } finally {
      await main(['down'], captureIo(dir, env));
    }
    assert.ok(secondPid > 0);
    assert.deepEqual(listGroupMembers(secondPid), [], 'nothing survives down');
    assert.doesNotMatch(readFileSync(paths.daemonLog, 'utf8'), /daemon-secret/, 'the password is not in the daemon log');
  });
});
