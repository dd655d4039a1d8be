import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BerthError } from '../../src/errors/diagnostic.js';
import { listWorkingTreeFiles } from '../../src/deploy/list-release-files.js';
import { hashWorkingTree, RELEASE_ID, snapshotRelease, type ReleaseManifest } from '../../src/deploy/snapshot-release.js';
import { writeFiles } from '../helpers/temp-stack.js';

const git = (cwd: string, ...args: string[]): string => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'commit.gpgsign=false', ...args], { cwd, encoding: 'utf8' }).trim();

/** Every file under a folder, relative and sorted. */
function filesUnder(dir: string): string[] {
  return (readdirSync(dir, { recursive: true, withFileTypes: true }))
    .filter((e) => !e.isDirectory())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

const APP = {
  'berth.yml': 'services:\n  web: { command: node server.js }\n',
  'server.js': 'console.log("v1")\n',
  'src/lib.js': 'export const x = 1;\n',
  '.gitignore': 'node_modules/\n.env\n*.log\n.berth/\n',
  '.berthignore': 'docs/\n*.md\n!KEEP.md\n',
  '.env': 'SECRET=1\n',
  'debug.log': 'noise\n',
  'node_modules/dep/index.js': 'module.exports = 1;\n',
  'docs/guide.txt': 'long\n',
  'README.md': '# app\n',
  'KEEP.md': 'kept\n',
  '.berth/state.db': 'state\n',
  '.berth/releases/old/app/x': 'old release\n',
};
const RELEASED = ['.berthignore', '.gitignore', 'KEEP.md', 'berth.yml', 'server.js', 'src/lib.js'];

describe('release snapshots', () => {
  it('the working tree of a git repository: tracked and untracked files minus .gitignore, .berthignore and .berth/', () => {
    const root = writeFiles(APP);
    git(root, 'init', '-q');
    git(root, 'add', 'berth.yml', 'server.js', '.gitignore', '.berthignore', 'README.md');
    git(root, 'commit', '-q', '-m', 'one');
    // src/lib.js and KEEP.md are untracked but not ignored: they are part of the working tree
    const releasesDir = join(root, '.berth', 'releases');
    const snapshot = snapshotRelease({ root, releasesDir, now: new Date('2025-03-14T09:30:15.123Z') });
    assert.match(snapshot.id, RELEASE_ID);
    assert.ok(snapshot.id.startsWith('20250314-093015123-'));
    assert.equal(snapshot.dir, join(releasesDir, snapshot.id));
    assert.deepEqual(filesUnder(snapshot.appDir), RELEASED);
    assert.equal(readFileSync(join(snapshot.appDir, 'server.js'), 'utf8'), 'console.log("v1")\n');
    const manifest = JSON.parse(readFileSync(join(snapshot.dir, 'release.json'), 'utf8')) as ReleaseManifest;
    assert.deepEqual({ ...manifest, contentHash: manifest.contentHash.length }, { id: snapshot.id, ref: 'working tree', commit: null, created: '2025-03-14T09:30:15.123Z', files: RELEASED.length, contentHash: 64 });
    assert.ok(snapshot.id.endsWith(manifest.contentHash.slice(0, 8)));
    // the same content hashes the same without copying (what --plan reads), and nothing staged is left behind
    assert.equal(hashWorkingTree(root).contentHash, manifest.contentHash);
    assert.deepEqual(readdirSync(releasesDir).sort(), ['old', snapshot.id].sort());
  });

  it('keeps the executable bit and symlinks, and skips files git lists but that were deleted', () => {
    const root = writeFiles({ 'run.sh': '#!/bin/sh\necho hi\n', 'a.txt': 'a\n', 'gone.txt': 'x\n' });
    chmodSync(join(root, 'run.sh'), 0o755);
    symlinkSync('a.txt', join(root, 'link.txt'));
    git(root, 'init', '-q');
    git(root, 'add', '.');
    git(root, 'commit', '-q', '-m', 'one');
    execFileSync('rm', [join(root, 'gone.txt')]);
    const snapshot = snapshotRelease({ root, releasesDir: join(root, '.berth', 'releases') });
    assert.deepEqual(filesUnder(snapshot.appDir), ['a.txt', 'link.txt', 'run.sh']);
    assert.equal(statSync(join(snapshot.appDir, 'run.sh')).mode & 0o111, 0o111);
    assert.equal(readFileSync(join(snapshot.appDir, 'link.txt'), 'utf8'), 'a\n');
    assert.equal(snapshot.manifest.files, 3);
  });

  it('without git: every file minus .berthignore and .berth/', () => {
    const root = writeFiles(APP);
    assert.equal(listWorkingTreeFiles(root).source, 'walk');
    const snapshot = snapshotRelease({ root, releasesDir: join(root, '.berth', 'releases') });
    // no .gitignore applies without git: .env, the log and node_modules are copied; .berthignore still applies
    assert.deepEqual(filesUnder(snapshot.appDir), ['.berthignore', '.env', '.gitignore', 'KEEP.md', 'berth.yml', 'debug.log', 'node_modules/dep/index.js', 'server.js', 'src/lib.js']);
  });

  it('a git ref: the committed tree of the stack folder, with that commit\'s .berthignore, whatever the working tree holds', () => {
    const repo = writeFiles({ 'other/x.txt': 'not this stack\n', ...Object.fromEntries(Object.entries(APP).map(([path, text]) => [`app/${path}`, text])) });
    const root = join(repo, 'app');
    git(repo, 'init', '-q');
    git(repo, 'add', '.');
    git(repo, 'commit', '-q', '-m', 'v1');
    const v1 = git(repo, 'rev-parse', 'HEAD');
    git(repo, 'tag', 'v1');
    writeFileSync(join(root, 'server.js'), 'console.log("v2")\n');
    writeFileSync(join(root, 'new.js'), 'new\n');
    git(repo, 'add', '.');
    git(repo, 'commit', '-q', '-m', 'v2');
    writeFileSync(join(root, 'server.js'), 'console.log("dirty")\n');
    const releasesDir = join(root, '.berth', 'releases');
    const snapshot = snapshotRelease({ root, releasesDir, ref: 'v1' });
    assert.equal(snapshot.manifest.ref, 'v1');
    assert.equal(snapshot.manifest.commit, v1);
    // committed files only (the untracked ones and .berth/ never were), minus .berthignore: README.md and docs/ go
    assert.deepEqual(filesUnder(snapshot.appDir), ['.berthignore', '.gitignore', 'KEEP.md', 'berth.yml', 'server.js', 'src/lib.js']);
    assert.equal(readFileSync(join(snapshot.appDir, 'server.js'), 'utf8'), 'console.log("v1")\n');
    const head = snapshotRelease({ root, releasesDir, ref: 'HEAD' });
    assert.equal(readFileSync(join(head.appDir, 'server.js'), 'utf8'), 'console.log("v2")\n');
    assert.ok(existsSync(join(head.appDir, 'new.js')));
    assert.notEqual(head.manifest.contentHash, snapshot.manifest.contentHash);
  });

  it('an unknown ref, or a ref outside git, is BERTH_E_DEPLOY_REF and leaves no folder behind', () => {
    const repo = writeFiles({ 'a.txt': 'a\n' });
    git(repo, 'init', '-q');
    git(repo, 'add', '.');
    git(repo, 'commit', '-q', '-m', 'one');
    const releasesDir = join(repo, '.berth', 'releases');
    for (const ref of ['no-such-branch', '--output=/tmp/x']) {
      assert.throws(() => snapshotRelease({ root: repo, releasesDir, ref }), (error: unknown) => error instanceof BerthError && error.diagnostics[0]?.code === 'BERTH_E_DEPLOY_REF' && error.message.includes(ref));
    }
    assert.deepEqual(readdirSync(releasesDir), []);
    const plain = writeFiles({ 'a.txt': 'a\n' });
    mkdirSync(join(plain, 'sub'));
    assert.throws(() => snapshotRelease({ root: plain, releasesDir: join(plain, '.berth', 'releases'), ref: 'HEAD' }), /not in a git repository/);
  });
});
