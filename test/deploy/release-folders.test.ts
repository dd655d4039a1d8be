import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { adoptRunning, STACK_FOLDER, UNKNOWN_HASH } from '../../src/deploy/adopt-running.js';
import { copyBuildOutputs, hashReleaseTree, listBuildOutputs } from '../../src/deploy/build-outputs.js';
import { hashServiceConfig } from '../../src/deploy/content-hash.js';
import { EMPTY_DEPLOY_STATE } from '../../src/deploy/deploy-state.js';
import { rebasePath, rebaseStack } from '../../src/deploy/rebase-stack.js';
import { snapshotRelease } from '../../src/deploy/snapshot-release.js';
import { getSecrets } from '../../src/config/secrets.js';
import { loadText, writeFiles } from '../helpers/temp-stack.js';

const STACK = `env_file: .env
services:
  db: { recipe: postgres, data: ./data/db, password: "\${DB_PASSWORD}" }
  web: { command: node server.js, http: {}, cwd: ./web, release: node migrate.js }
  site: { static: { dir: ./public }, routes: [{ host: s.test }] }
  tool: { command: ./run, cwd: /opt/tool }
`;

describe('release folders', () => {
  it('rebases app services into the release (cwd and static folder), never recipes or folders outside the stack', () => {
    const loaded = loadText(STACK, { files: { '.env': 'DB_PASSWORD=s3cret-value\n' } });
    assert.ok(loaded.ok);
    const { stack } = loaded;
    const releases = join(stack.root, '.berth', 'releases');
    const id = '20260101-000000000-aaaaaaaa';
    const rebased = rebaseStack(stack, releases, { web: id, site: id, db: id, tool: id });
    assert.equal(rebased.services.web?.cwd, join(releases, id, 'app', 'web'));
    assert.equal(rebased.services.site?.static?.dir, join(releases, id, 'app', 'public'));
    assert.equal(rebased.services.db?.data, stack.services.db?.data, 'a data folder never moves');
    assert.equal(rebased.services.tool?.cwd, '/opt/tool');
    assert.ok(Object.isFrozen(rebased.services.web));
    assert.ok(getSecrets(rebased).values.has('s3cret-value'), 'the secrets stay registered for redaction');
    assert.equal(rebaseStack(stack, releases, { web: STACK_FOLDER }).services.web?.cwd, stack.services.web?.cwd, 'only a release id moves a service');
    assert.equal(rebasePath('/a/b', '/a', '/r/app'), '/r/app/b');
    assert.equal(rebasePath('/a', '/a', '/r/app'), '/r/app');
    assert.equal(rebasePath('/ab/c', '/a', '/r/app'), '/ab/c');
  });

  it('adopts running services: recipes with the same config stay, app services count as changed code', () => {
    const loaded = loadText(STACK, { files: { '.env': 'DB_PASSWORD=x\n' } });
    assert.ok(loaded.ok);
    const adopted = adoptRunning(EMPTY_DEPLOY_STATE, loaded.stack, ['db', 'web', 'web', 'nope']);
    assert.deepEqual(Object.keys(adopted.services).sort(), ['db', 'web']);
    assert.equal(adopted.services.db?.configHash, hashServiceConfig(loaded.stack.services.db!, loaded.stack.root));
    assert.equal(adopted.services.db.codeHash, null);
    assert.equal(adopted.services.web?.codeHash, UNKNOWN_HASH);
    assert.equal(adopted.services.web.releaseStepHash, UNKNOWN_HASH, 'the release step runs on the first deploy');
    const kept = adoptRunning({ ...EMPTY_DEPLOY_STATE, services: { web: { ...adopted.services.web, release: 'R' } } }, loaded.stack, ['web']);
    assert.equal(kept.services.web?.release, 'R', 'a service the state knows is not re-adopted');
  });

  it('build outputs are what the snapshot did not put there; reuse copies them without overwriting released files', () => {
    const root = writeFiles({ 'app.js': 'x', 'web/src/a.ts': 'a', 'web/keep.txt': 'k' });
    const releases = writeFiles({});
    const one = snapshotRelease({ root, releasesDir: releases, now: new Date('2026-01-01T00:00:00Z') });
    mkdirSync(join(one.appDir, 'dist', 'assets'), { recursive: true });
    writeFileSync(join(one.appDir, 'dist', 'assets', 'app.js'), 'built');
    writeFileSync(join(one.appDir, 'web', 'out.js'), 'built too');
    mkdirSync(join(one.appDir, 'web', 'src', 'gen'));
    writeFileSync(join(one.appDir, 'web', 'src', 'gen', 'g.ts'), 'generated');
    writeFileSync(join(one.appDir, 'app.js'), 'changed by the build'); // a released file: not an output
    assert.deepEqual(listBuildOutputs(one.dir), ['dist', 'web/out.js', 'web/src/gen']);
    const two = snapshotRelease({ root, releasesDir: releases, now: new Date('2026-01-02T00:00:00Z') });
    writeFileSync(join(two.appDir, 'web', 'out.js'), 'already here');
    assert.deepEqual(copyBuildOutputs(one.dir, two.dir), ['dist', 'web/src/gen']);
    assert.equal(readFileSync(join(two.appDir, 'dist', 'assets', 'app.js'), 'utf8'), 'built');
    assert.equal(readFileSync(join(two.appDir, 'web', 'out.js'), 'utf8'), 'already here');
    assert.equal(readFileSync(join(two.appDir, 'app.js'), 'utf8'), 'x');
    assert.deepEqual([...(hashReleaseTree(two.dir)?.keys() ?? [])].sort(), ['app.js', 'web/keep.txt', 'web/src/a.ts'], "a release's tree is its snapshot, not its outputs");
    assert.ok(existsSync(join(two.dir, 'files.json')));
  });
});
