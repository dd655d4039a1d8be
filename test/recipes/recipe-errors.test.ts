// Recipe start failures with real servers: PostgreSQL's user cannot reach a private project folder (when Berth
// runs as root), and a Redis server that does not answer where Berth waits for it before the start is given up.
import assert from 'node:assert/strict';
import { chmodSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { waitForRedis } from '../../src/recipes/redis-provision.js';
import { findSystemUser, runsAsRoot } from '../../src/recipes/unprivileged-user.js';
import { allocatePort } from '../../src/supervisor/allocate-port.js';
import { makePostgresStack, requirePostgres, superviseStack } from './postgres-helpers.js';
import { makeRedisStack, requireRedis } from './redis-helpers.js';

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('recipe start errors (real servers)', { timeout: 120_000 }, () => {
  before(() => {
    requirePostgres();
    requireRedis();
  });

  it('names the folder PostgreSQL\'s user cannot pass through (BERTH_E_RECIPE_PERMISSION) and starts nothing', async (t) => {
    // Only root runs PostgreSQL as another user; as anyone else the server runs as them and the folder is theirs.
    if (!runsAsRoot()) {
      t.skip('needs root: as a normal user PostgreSQL runs as that user, who can reach the folder');
      return;
    }
    const user = findSystemUser(['postgres', 'nobody']);
    assert.ok(user !== undefined, 'a `postgres` or `nobody` user');
    const { dir } = await makePostgresStack(`services:
  db: { recipe: postgres, port: PORT, data: ./data/db, database: shop, user: shop, password: shop-secret }
`);
    chmodSync(dir, 0o700); // a private project folder: only its owner (root) may pass
    const { supervisor } = superviseStack(dir);
    try {
      await supervisor.up();
      assert.equal((await supervisor.waitReady(30_000)).ok, false);
      const status = supervisor.status()[0];
      assert.equal(status?.phase, 'failed', JSON.stringify(status));
      assert.match(status.reason ?? '', new RegExp(`^BERTH_E_RECIPE_PERMISSION: \`db\` runs as user \`${user.name}\`, which cannot reach ${escape(dir)} .*hint: PostgreSQL refuses to run as root, so Berth runs it as \`${user.name}\`; let \`${user.name}\` through every folder above the data folder \\(\`chmod o\\+x\` on them\\)`));
      assert.equal(status.restarts, 0, 'not a restart loop');
      assert.equal(existsSync(join(dir, 'data', 'db', 'PG_VERSION')), false, 'initdb did not run');
    } finally {
      await supervisor.down();
    }
  });

  it('says the server could not be prepared when Redis does not answer before the start is given up (BERTH_E_RECIPE_START), pointing at its log', async () => {
    // The provision step itself: nothing answers on the port until the start is given up.
    const closed = await allocatePort();
    const waited = await waitForRedis('cache', `redis://127.0.0.1:${String(closed)}`, AbortSignal.timeout(1500));
    assert.ok(!waited.ok, 'nothing answered');
    assert.equal(waited.error.code, 'BERTH_E_RECIPE_START');
    assert.match(waited.error.message, new RegExp(`^\`cache\` could not be prepared: Redis did not answer PING before the start was given up \\(.*ECONNREFUSED 127\\.0\\.0\\.1:${String(closed)}\\)$`));
    assert.equal(waited.error.hint, 'see the service log (`berth logs cache`) for what Redis said');

    // Under the supervisor: a server that runs but listens elsewhere (`args:` come after the generated config, so
    // this --port wins). Running out of start_timeout is an unhealthy start, retried with backoff: the instance's
    // reason carries the message (the code itself is not part of an unhealthy start's output).
    const elsewhere = await allocatePort();
    const { dir, port } = await makeRedisStack(`services:
  cache: { recipe: redis, port: PORT, data: ./data/cache, args: [--port, "${String(elsewhere)}"], ready: { redis: true, start_timeout: 3s } }
`);
    const { supervisor } = superviseStack(dir);
    try {
      await supervisor.up();
      // The first given-up start is enough (later ones repeat it after a backoff).
      const deadline = Date.now() + 60_000;
      while (!/^did not become ready/.test(supervisor.status()[0]?.reason ?? '') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      const status = supervisor.status()[0];
      // The code and the hint stay with the reason: `berth status` says what to do, not only what happened.
      assert.match(status?.reason ?? '', new RegExp(`^did not become ready \\(BERTH_E_RECIPE_START: \`cache\` could not be prepared: Redis did not answer PING before the start was given up \\(connect ECONNREFUSED 127\\.0\\.0\\.1:${String(port)}\\) \\(hint: .+\\)\\); restarting in \\d+ ms$`));
      assert.match(supervisor.logs('cache').recent(100).map((line) => line.text).join('\n'), new RegExp(String(elsewhere)), 'the log the hint points to shows where Redis listens');
    } finally {
      await supervisor.down();
    }
  });
});
