import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startDaemon } from '../../src/daemon/start-daemon.js';
import { getStatePaths } from '../../src/daemon/state-paths.js';
import { loadStack } from '../../src/config/load-stack.js';
import { isProcessAlive } from '../../src/exec/proc-stat.js';
import { runBerth } from '../helpers/run-berth.js';
import { writeFiles } from '../helpers/temp-stack.js';

const echo = join(import.meta.dirname, '..', 'fixtures', 'echo-instance.mjs');
const env = { PATH: process.env.PATH ?? '' };

/** The pid the running daemon wrote into .berth/daemon.json. */
function daemonPid(dir: string): number {
  return (JSON.parse(readFileSync(join(dir, '.berth', 'daemon.json'), 'utf8')) as { pid: number }).pid;
}

// One daemon per stack: `up -d` and a daemon starting both ask the socket first (daemonAnswers skips the request
// when there is no socket file, and must still find a daemon that has one).
describe('one daemon per stack', () => {
  it('a second up -d uses the running daemon, a second daemon refuses to start, and down returns once the daemon is gone', async () => {
    const dir = writeFiles({ 'berth.yml': `services:\n  web: { command: ${process.execPath} ${echo}, http: {}, ready: { http: /health } }\n` });
    try {
      const first = await runBerth(dir, env, 'up', '-d');
      assert.equal(first.code, 0, first.err);
      const pid = daemonPid(dir);
      const second = await runBerth(dir, env, 'up', '-d');
      assert.equal(second.code, 0, second.err);
      assert.match(second.out, /web\.1\s+running/);
      assert.equal(daemonPid(dir), pid, 'no second daemon took over');
      const loaded = loadStack({ file: join(dir, 'berth.yml') });
      assert.ok(loaded.ok);
      const refused = await startDaemon({ stack: loaded.stack, paths: getStatePaths(join(dir, 'berth.yml')), baseEnv: env, services: [] });
      assert.ok(!refused.ok, 'a second daemon started');
      assert.match(refused.reason, /a Berth daemon already runs this stack/);
      const down = await runBerth(dir, env, 'down');
      assert.equal(down.code, 0, down.err);
      assert.ok(!isProcessAlive(pid), 'the daemon still runs after down returned');
    } finally {
      await runBerth(dir, env, 'down');
    }
  });
});
