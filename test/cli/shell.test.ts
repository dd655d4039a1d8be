import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { buildShellCommand, createShellCommand, pickRecipeService } from '../../src/cli/commands/shell.js';
import { main } from '../../src/cli/main.js';
import { loadStack } from '../../src/config/load-stack.js';
import { captureIo } from '../helpers/capture-io.js';
import { writeFiles } from '../helpers/temp-stack.js';
import { makePostgresStack, requirePostgres, superviseStack } from '../recipes/postgres-helpers.js';
import { makeRedisStack, requireRedis, withClient } from '../recipes/redis-helpers.js';

describe('berth psql and berth redis-cli', { timeout: 120_000 }, () => {
  before(requirePostgres);

  it('opens psql on the recipe as its role, in its database, with the stored password in its environment, not its argv', async () => {
    const { dir } = await makePostgresStack('services:\n  db:\n    recipe: postgres\n    port: PORT\n    data: ./data/db\n    database: shop\n');
    const { supervisor } = superviseStack(dir);
    try {
      await supervisor.up();
      assert.deepEqual(await supervisor.waitReady(90_000), { ok: true });
      const out = join(dir, 'out.txt');
      const io = captureIo(dir, { PATH: process.env.PATH ?? '' });
      const code = await createShellCommand('postgres')(['--', '-At', '-o', out, '-c', 'SELECT current_user || \'@\' || current_database()'], io);
      assert.equal(code, 0, io.err());
      assert.equal(readFileSync(out, 'utf8').trim(), 'shop@shop');
      assert.equal(io.out(), '');
      const db = supervisor.stack.services.db;
      assert.ok(db !== undefined);
      const shell = buildShellCommand('postgres', db, join(dir, '.berth'), process.env.PATH);
      const password = readFileSync(join(dir, '.berth', 'secrets', 'db.password'), 'utf8').trim();
      assert.equal(shell.env.PGPASSWORD, password);
      assert.ok(!shell.argv.join(' ').includes(password));
      assert.equal(await createShellCommand('postgres')(['--', '-c', 'SELECT nonsense_column'], captureIo(dir, { PATH: process.env.PATH ?? '' })), 1, 'psql\'s own exit code comes back');
    } finally {
      await supervisor.down();
    }
  });

  it('opens redis-cli on the recipe with its password in REDISCLI_AUTH, not argv', async () => {
    requireRedis();
    const { dir } = await makeRedisStack('services:\n  cache:\n    recipe: redis\n    port: PORT\n    data: ./data/cache\n    password: ${REDIS_PASSWORD}\n', { '.env': 'REDIS_PASSWORD=s3cret-redis-pw\n' });
    const { supervisor } = superviseStack(dir);
    try {
      await supervisor.up();
      assert.deepEqual(await supervisor.waitReady(60_000), { ok: true });
      const io = captureIo(dir, { PATH: process.env.PATH ?? '' });
      assert.equal(await createShellCommand('redis')(['cache', '--', 'SET', 'written-by', 'berth-redis-cli'], io), 0, io.err());
      const url = supervisor.lookup('cache', 'url') ?? '';
      assert.equal(await withClient(url, (send) => send(['GET', 'written-by'])), 'berth-redis-cli');
      const cache = supervisor.stack.services.cache;
      assert.ok(cache !== undefined);
      const shell = buildShellCommand('redis', cache, join(dir, '.berth'), process.env.PATH);
      assert.deepEqual(shell.env, { REDISCLI_AUTH: 's3cret-redis-pw' });
      assert.ok(!shell.argv.join(' ').includes('s3cret-redis-pw'));
    } finally {
      await supervisor.down();
    }
  });

  it('is a command of the berth binary: `berth psql` and `berth redis-cli`', async () => {
    for (const [command, tool] of [['psql', 'psql'], ['redis-cli', 'redis-cli']] as const) {
      const io = captureIo(process.cwd());
      assert.equal(await main([command, '--help'], io), 0);
      assert.match(io.out(), new RegExp(`^Usage: berth ${tool} \\[SERVICE\\]`));
    }
    const io = captureIo(writeFiles({ 'berth.yml': 'services:\n  web: { command: ./web }\n' }));
    assert.equal(await main(['psql'], io), 2);
    assert.match(io.err(), /berth psql: the stack has no postgres recipe/);
  });

  it('picks the only recipe of its kind, or says which to name', async () => {
    const { dir } = await makePostgresStack('services:\n  a: { recipe: postgres, port: PORT, data: ./a }\n  b: { recipe: postgres, port: 5999, data: ./b }\n  web: { command: ./web }\n');
    const loaded = loadStack({ file: join(dir, 'berth.yml') });
    assert.ok(loaded.ok);
    assert.equal(pickRecipeService(loaded.stack, 'postgres', undefined), 'name one of the postgres services: a, b');
    assert.equal(pickRecipeService(loaded.stack, 'redis', undefined), 'the stack has no redis recipe');
    const notRecipe = pickRecipeService(loaded.stack, 'postgres', 'web');
    assert.match(typeof notRecipe === 'string' ? notRecipe : notRecipe.name, /^web is not a postgres recipe/);
    const picked = pickRecipeService(loaded.stack, 'postgres', 'b');
    assert.equal(typeof picked === 'string' ? picked : picked.name, 'b');
  });
});
