import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeJobTiming, MIN_EVERY_MS, nextEveryRun, readEveryMs } from '../../src/scheduler/next-job-run.js';

describe('next job run', () => {
  it('every: one interval after the previous due time, not after the run ended', () => {
    assert.equal(nextEveryRun(1_000, 300_000, 1_000), 301_000);
    // A run that took 4 minutes does not move the next due time.
    assert.equal(nextEveryRun(1_000, 300_000, 241_000), 301_000);
  });

  it('every: a daemon that fell behind skips to the next whole interval instead of a burst of runs', () => {
    assert.equal(nextEveryRun(0, 1_000, 1_000), 2_000);
    assert.equal(nextEveryRun(0, 1_000, 3_500), 4_000);
  });

  it('every: reads the duration, with a floor for a zero interval; null for a cron job', () => {
    assert.equal(readEveryMs({ every: '5m' }), 300_000);
    assert.equal(readEveryMs({ every: '200ms' }), 200);
    assert.equal(readEveryMs({ every: '0s' }), MIN_EVERY_MS);
    assert.equal(readEveryMs({}), null);
  });

  it('describes the timing for status', () => {
    assert.equal(describeJobTiming({ every: '5m' }), 'every 5m');
    assert.equal(describeJobTiming({ schedule: '0 2 * * *' }), '0 2 * * *');
  });
});
