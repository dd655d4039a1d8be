import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeJobTiming, isCronRunMissed, MIN_EVERY_MS, nextEveryRun, planEveryStart, readEveryMs } from '../../src/scheduler/next-job-run.js';

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

  it('every at the daemon\'s start: one interval after the last run of an earlier daemon, or a run owed now', () => {
    const minute = 60_000;
    assert.deepEqual(planEveryStart(5 * minute, null, 1_000_000), { firstDue: 1_000_000 + 5 * minute, missed: false }, 'never ran: one interval after the start');
    assert.deepEqual(planEveryStart(5 * minute, 1_000_000 - 2 * minute, 1_000_000), { firstDue: 1_000_000 + 3 * minute, missed: false }, 'ran 2 minutes ago: due in 3');
    assert.deepEqual(planEveryStart(5 * minute, 1_000_000 - 5 * minute, 1_000_000), { firstDue: 1_000_000 + 5 * minute, missed: true }, 'due exactly now: owed');
    assert.deepEqual(planEveryStart(5 * minute, 1_000_000 - 60 * minute, 1_000_000), { firstDue: 1_000_000 + 5 * minute, missed: true }, 'an hour down: one run owed, not twelve');
    assert.deepEqual(planEveryStart(5 * minute, 1_000_000 + 60 * minute, 1_000_000), { firstDue: 1_000_000 + 5 * minute, missed: false }, 'a last run in the future waits one interval at most');
  });

  it('schedule at the daemon\'s start: owed when the last occurrence came after the last run, never for a job that never ran', () => {
    assert.equal(isCronRunMissed(10_000, 5_000), true);
    assert.equal(isCronRunMissed(10_000, 10_000), false, 'the run of that very occurrence');
    assert.equal(isCronRunMissed(10_000, 12_000), false);
    assert.equal(isCronRunMissed(10_000, null), false, 'never ran: nothing owed');
    assert.equal(isCronRunMissed(null, 5_000), false, 'no past occurrence');
  });

  it('describes the timing for status', () => {
    assert.equal(describeJobTiming({ every: '5m' }), 'every 5m');
    assert.equal(describeJobTiming({ schedule: '0 2 * * *' }), '0 2 * * *');
  });
});
