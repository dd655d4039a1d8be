import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextFailureCount, restartDelay } from '../../src/supervisor/backoff.js';

const policy = { initialMs: 100, maxMs: 30_000, resetAfterMs: 60_000 };

describe('restart backoff', () => {
  it('doubles from the initial delay and caps at the maximum, never giving up', () => {
    assert.deepEqual([1, 2, 3, 4, 5].map((n) => restartDelay(n, policy)), [100, 200, 400, 800, 1600]);
    assert.equal(restartDelay(12, policy), 30_000);
    assert.equal(restartDelay(10_000, policy), 30_000);
  });

  it('starts over after a stable run', () => {
    assert.equal(nextFailureCount(7, 59_999, policy), 8);
    assert.equal(nextFailureCount(7, 60_000, policy), 1);
  });
});
