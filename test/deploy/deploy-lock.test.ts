import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { acquireDeployLock, deployLockPath, readDeployLock, releaseDeployLock } from '../../src/deploy/deploy-lock.js';
import { BerthError } from '../../src/errors/diagnostic.js';
import { writeFiles } from '../helpers/temp-stack.js';

/** A lock path in a fresh .berth folder. */
function freshLockFile(): string {
  const stateDir = join(writeFiles({}), '.berth');
  mkdirSync(stateDir);
  return deployLockPath(stateDir);
}

const lockedBy = (error: unknown): string => {
  assert.ok(error instanceof BerthError);
  assert.equal(error.diagnostics[0]?.code, 'BERTH_E_DEPLOY_LOCKED');
  return error.diagnostics[0].message;
};

describe('the deploy lock', () => {
  it('is created with holder, pid, host and time; a second acquire is refused naming the holder; release frees it', () => {
    const file = freshLockFile();
    const { lock, warnings } = acquireDeployLock(file, { user: 'alice', now: new Date('2025-01-02T03:04:05.000Z') });
    assert.deepEqual(warnings, []);
    const held = readDeployLock(file);
    assert.ok(held !== null && held !== 'unreadable');
    assert.deepEqual({ ...held, token: held.token.length, startTime: typeof held.startTime }, { holder: 'alice', pid: process.pid, host: hostname(), time: '2025-01-02T03:04:05.000Z', token: 16, startTime: 'number' });
    let message = '';
    assert.throws(() => acquireDeployLock(file, { user: 'bob' }), (error: unknown) => ((message = lockedBy(error)), true));
    assert.equal(message, `another deploy holds the deploy lock: alice (pid ${String(process.pid)} on ${hostname()}) since 2025-01-02T03:04:05.000Z`);
    assert.equal(releaseDeployLock(lock), true);
    assert.equal(existsSync(file), false);
    assert.equal(releaseDeployLock(lock), false);
    const again = acquireDeployLock(file, { user: 'bob' });
    assert.equal(releaseDeployLock(again.lock), true);
    assert.deepEqual(readdirSync(join(file, '..')), [], 'no temp files left');
  });

  it('a lock whose holder died on this host is taken over, with a warning naming the dead holder', () => {
    const file = freshLockFile();
    const dead = spawnSync('true').pid;
    writeFileSync(file, JSON.stringify({ holder: 'carol', pid: dead, host: hostname(), time: '2025-01-01T00:00:00.000Z', startTime: null, token: 'feedfacefeedface' }));
    const { lock, warnings } = acquireDeployLock(file, { user: 'alice' });
    assert.deepEqual(warnings.map((w) => [w.code, w.severity, w.message]), [['BERTH_W_DEPLOY_LOCK_TAKEN_OVER', 'warning', `took over the deploy lock of carol (pid ${String(dead)} on ${hostname()}, since 2025-01-01T00:00:00.000Z): that process is gone`]]);
    assert.equal((readDeployLock(file) as { holder: string }).holder, 'alice');
    assert.equal(releaseDeployLock(lock), true);
    assert.deepEqual(readdirSync(join(file, '..')), []);
  });

  it('a live pid that was reused by another process counts as dead; a holder on another host never does', () => {
    const file = freshLockFile();
    writeFileSync(file, JSON.stringify({ holder: 'dave', pid: process.pid, host: hostname(), time: '2025-01-01T00:00:00.000Z', startTime: 1, token: 'feedfacefeedface' }));
    const taken = acquireDeployLock(file, { user: 'alice' });
    assert.equal(taken.warnings.length, 1);
    assert.equal(releaseDeployLock(taken.lock), true);
    writeFileSync(file, JSON.stringify({ holder: 'erin', pid: spawnSync('true').pid, host: 'elsewhere.example', time: '2025-01-01T00:00:00.000Z', startTime: null, token: 'feedfacefeedface' }));
    assert.throws(() => acquireDeployLock(file), (error: unknown) => lockedBy(error).includes('erin') && lockedBy(error).includes('elsewhere.example'));
    writeFileSync(file, 'garbage');
    assert.throws(() => acquireDeployLock(file), (error: unknown) => lockedBy(error).includes('unknown (the lock file cannot be read)'));
  });

  it('release leaves someone else\'s lock alone', () => {
    const file = freshLockFile();
    const { lock } = acquireDeployLock(file, { user: 'alice' });
    // the lock was taken over (say alice's deploy was thought dead) and now belongs to frank
    const frank = JSON.stringify({ holder: 'frank', pid: process.pid, host: hostname(), time: '2025-01-01T00:00:00.000Z', startTime: null, token: '0123456789abcdef' });
    writeFileSync(file, frank);
    assert.equal(releaseDeployLock(lock), false);
    assert.equal((readDeployLock(file) as { holder: string }).holder, 'frank');
  });
});
