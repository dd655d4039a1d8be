// Per-client token buckets for a route's `rate_limit`: each client IP holds up to `burst` tokens, refilled at `rps`
// a second; a request takes one. Memory is bounded by an LRU of buckets, so a flood of distinct addresses evicts the
// idlest clients (which then start again with a full bucket) instead of growing without limit.
import { createLruMap } from './lru-map.js';

export type RateDecision = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number };

export interface RateLimiterOptions {
  readonly rps: number;
  readonly burst: number;
  /** Most clients remembered at once (default 10,000). */
  readonly maxClients?: number;
  /** Milliseconds from a monotonic clock (default `performance.now`); tests pass a fake one. */
  readonly now?: () => number;
}

export interface RateLimiter {
  /** Takes a token for `client` (an IP address) if one is left. */
  take(client: string): RateDecision;
  /** Buckets held now (at most `maxClients`). */
  readonly clients: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export const DEFAULT_MAX_CLIENTS = 10_000;
// One shared answer: the allowed path runs on every request and need not allocate.
const ALLOWED: RateDecision = Object.freeze({ allowed: true });

/** Creates a token-bucket limiter for one route. */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const { rps, burst } = options;
  if (!(rps > 0) || !Number.isFinite(rps)) throw new RangeError(`rps must be a positive number, not ${String(rps)}`);
  // A bucket smaller than one token would refuse every request.
  if (!(burst >= 1) || !Number.isFinite(burst)) throw new RangeError(`burst must be at least 1, not ${String(burst)}`);
  const now = options.now ?? (() => performance.now());
  const buckets = createLruMap<string, Bucket>(options.maxClients ?? DEFAULT_MAX_CLIENTS);
  const perMs = rps / 1000;

  return {
    take(client) {
      const time = now();
      let bucket = buckets.get(client);
      if (bucket === undefined) {
        bucket = { tokens: burst, updatedAt: time };
        buckets.set(client, bucket);
      } else {
        // max(0, …): a clock that steps back must not drain the bucket.
        bucket.tokens = Math.min(burst, bucket.tokens + Math.max(0, time - bucket.updatedAt) * perMs);
        bucket.updatedAt = time;
      }
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return ALLOWED;
      }
      // Retry-After takes whole seconds; round up so a client that waits as told finds a token.
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / rps)) };
    },
    get clients() {
      return buckets.size;
    },
  };
}
