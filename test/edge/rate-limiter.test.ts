import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRateLimiter, DEFAULT_MAX_CLIENTS, type RateDecision } from '../../src/edge/rate-limiter.js';

function fakeClock(start = 1_000): { now: () => number; advance: (ms: number) => void } {
  let time = start;
  return { now: () => time, advance: (ms) => { time += ms; } };
}

const allowedCount = (decisions: readonly RateDecision[]) => decisions.filter((d) => d.allowed).length;

describe('createRateLimiter', () => {
  it('allows a burst, then refuses with Retry-After until tokens refill at rps', () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ rps: 2, burst: 5, now: clock.now });
    assert.equal(allowedCount(Array.from({ length: 5 }, () => limiter.take('10.0.0.1'))), 5);
    assert.deepEqual(limiter.take('10.0.0.1'), { allowed: false, retryAfterSeconds: 1 });
    clock.advance(499);
    assert.equal(limiter.take('10.0.0.1').allowed, false);
    clock.advance(1); // 500 ms at 2 rps = one token
    assert.equal(limiter.take('10.0.0.1').allowed, true);
    assert.equal(limiter.take('10.0.0.1').allowed, false);
    clock.advance(60_000); // refills only up to the burst
    assert.equal(allowedCount(Array.from({ length: 8 }, () => limiter.take('10.0.0.1'))), 5);
  });

  it('keeps a bucket per client', () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ rps: 1, burst: 1, now: clock.now });
    assert.equal(limiter.take('a').allowed, true);
    assert.equal(limiter.take('a').allowed, false);
    assert.equal(limiter.take('b').allowed, true);
  });

  it('rounds Retry-After up to whole seconds, at least 1', () => {
    const clock = fakeClock();
    const slow = createRateLimiter({ rps: 0.25, burst: 1, now: clock.now });
    slow.take('c');
    assert.deepEqual(slow.take('c'), { allowed: false, retryAfterSeconds: 4 });
    clock.advance(2_500); // 0.625 token held; 0.375 more takes 1.5 s
    assert.deepEqual(slow.take('c'), { allowed: false, retryAfterSeconds: 2 });
    const fast = createRateLimiter({ rps: 100, burst: 1, now: clock.now });
    fast.take('c');
    assert.deepEqual(fast.take('c'), { allowed: false, retryAfterSeconds: 1 });
  });

  it('sustains rps over time', () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ rps: 10, burst: 10, now: clock.now });
    let allowed = 0;
    for (let ms = 0; ms < 10_000; ms += 10) {
      if (limiter.take('d').allowed) allowed += 1;
      clock.advance(10);
    }
    // 10 s at 10 rps plus the initial burst of 10, give or take a token.
    assert.ok(allowed >= 109 && allowed <= 110, String(allowed));
  });

  it('does not drain the bucket when the clock steps back', () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ rps: 1, burst: 2, now: clock.now });
    limiter.take('e');
    clock.advance(-5_000);
    assert.equal(limiter.take('e').allowed, true);
  });

  it('holds at most maxClients buckets, forgetting the idlest client first', () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ rps: 1, burst: 1, maxClients: 3, now: clock.now });
    for (const client of ['a', 'b', 'c']) limiter.take(client);
    limiter.take('a'); // a is refused but now the most recent
    limiter.take('d'); // evicts b, the idlest
    assert.equal(limiter.clients, 3);
    assert.equal(limiter.take('a').allowed, false, 'a kept its empty bucket');
    assert.equal(limiter.take('b').allowed, true, 'b was forgotten and starts full');
  });

  it('defaults to 10,000 clients and stays there under a flood of addresses', () => {
    const limiter = createRateLimiter({ rps: 1, burst: 1, now: () => 0 });
    for (let i = 0; i < DEFAULT_MAX_CLIENTS + 5_000; i += 1) limiter.take(`10.${String(i >> 16)}.${String((i >> 8) & 255)}.${String(i & 255)}`);
    assert.equal(DEFAULT_MAX_CLIENTS, 10_000);
    assert.equal(limiter.clients, DEFAULT_MAX_CLIENTS);
  });

  it('refuses nonsense settings', () => {
    assert.throws(() => createRateLimiter({ rps: 0, burst: 1 }), RangeError);
    assert.throws(() => createRateLimiter({ rps: 1, burst: 0.5 }), RangeError);
  });
});
