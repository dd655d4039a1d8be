import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { main } from '../../src/cli/main.js';
import { findPostgresBinaries } from '../../src/recipes/find-postgres.js';
import { findPostgresDrift } from '../../src/recipes/find-postgres-drift.js';
import { captureIo } from '../helpers/capture-io.js';
import { writeFiles } from '../helpers/temp-stack.js';
import { requirePostgres } from './postgres-helpers.js';

const STACK = 'services:\n  db:\n    recipe: postgres\n    data: ./data/db\n';

/** A folder that looks like a cluster of `major` (PG_VERSION and global/), as far as Berth's checks read. */
function fakeCluster(dir: string, major: string): void {
  mkdirSync(join(dir, 'data', 'db', 'global'), { recursive: true });
  writeFileSync(join(dir, 'data', 'db', 'PG_VERSION'), `${major}\n`);
}

describe('postgres version drift', () => {
  before(requirePostgres);
  const installed = (): number => {
    const found = findPostgresBinaries(null, process.env.PATH);
    if (!found.ok) throw new Error(found.reason);
    return found.binaries.major;
  };

  it('finds drift between a data folder and the installed server, and none when they agree or there is no cluster', () => {
    const dir = writeFiles({ 'berth.yml': STACK });
    assert.equal(findPostgresDrift(join(dir, 'data', 'db'), null, process.env.PATH), undefined, 'no cluster yet');
    fakeCluster(dir, String(installed()));
    assert.equal(findPostgresDrift(join(dir, 'data', 'db'), null, process.env.PATH), undefined, 'same major');
    writeFileSync(join(dir, 'data', 'db', 'PG_VERSION'), `${String(installed() + 1)}\n`);
    assert.equal(findPostgresDrift(join(dir, 'data', 'db'), null, process.env.PATH)?.dataMajor, installed() + 1);
  });

  it('`berth check` refuses the drift at the `data` line and names the upgrade path', async () => {
    const dir = writeFiles({ 'berth.yml': STACK });
    const newer = String(installed() + 1);
    fakeCluster(dir, newer);
    const io = captureIo(dir, { PATH: process.env.PATH ?? '' });
    assert.equal(await main(['check'], io), 2);
    const err = io.err();
    assert.match(err, new RegExp(`berth\\.yml:4:11: error BERTH_E_RECIPE_VERSION_MISMATCH: data folder .*data/db of \`db\` was made by PostgreSQL ${newer}, but the server found is PostgreSQL ${String(installed())}`));
    assert.match(err, new RegExp(`apt-get install postgresql-${newer}`));
    assert.match(err, /pg_upgrade/);
  });
});
