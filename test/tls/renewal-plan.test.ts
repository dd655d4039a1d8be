import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextAttemptAt, readRetryAfter, renewalDueAt, retryDelay } from '../../src/tls/renewal-plan.js';

const DAY = 86_400_000;

describe('renewal plan', () => {
  it('renews at two thirds of the lifetime: day 60 of a 90-day certificate', () => {
    assert.equal(renewalDueAt(0, 90 * DAY), 60 * DAY);
    assert.equal(renewalDueAt(1000, 1000 + 9 * DAY), 1000 + 6 * DAY);
  });

  it('asks at once without a certificate, at the due time with one, and never before a backoff ends', () => {
    assert.equal(nextAttemptAt(null, null), 0);
    assert.equal(nextAttemptAt({ notBefore: 0, notAfter: 90 * DAY }, null), 60 * DAY);
    assert.equal(nextAttemptAt({ notBefore: 0, notAfter: 90 * DAY }, 61 * DAY), 61 * DAY);
    assert.equal(nextAttemptAt(null, 5000), 5000);
  });

  it('backs off exponentially from the initial delay to the cap, and longer when the CA says so', () => {
    const policy = { initialMs: 60_000, maxMs: DAY };
    assert.deepEqual([1, 2, 3, 4].map((n) => retryDelay(n, policy)), [60_000, 120_000, 240_000, 480_000]);
    assert.equal(retryDelay(40, policy), DAY);
    assert.equal(retryDelay(1, policy, 3600_000), 3600_000, 'Retry-After wins when longer');
    assert.equal(retryDelay(3, policy, 1000), 240_000, 'but never shortens the backoff');
  });

  it('reads Retry-After in seconds or as an HTTP date from an ACME client error', () => {
    const now = Date.parse('2026-11-22T12:00:00Z');
    assert.equal(readRetryAfter({ response: { headers: { 'retry-after': '120' } } }, now), 120_000);
    assert.equal(readRetryAfter({ response: { headers: { 'retry-after': 'Sun, 22 Nov 2026 13:00:00 GMT' } } }, now), 3600_000);
    assert.equal(readRetryAfter(new Error('badNonce'), now), null);
    assert.equal(readRetryAfter(null, now), null);
  });
});
