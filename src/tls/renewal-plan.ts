// When to ask the CA: a certificate is renewed at two thirds of its lifetime (Let's Encrypt's 90 days → day 60,
// as certbot does); a failed attempt waits 1 min, then twice as long each time, up to a day, or longer when the CA
// said so (Retry-After). Pure, so the schedule is tested with a fake clock.
import { restartDelay, type BackoffPolicy as RestartBackoff } from '../supervisor/backoff.js';

/** The supervisor's exponential backoff, without its reset (a renewal has no "stable run"). */
export type BackoffPolicy = Pick<RestartBackoff, 'initialMs' | 'maxMs'>;

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 60_000, maxMs: 24 * 3600_000 };
/** Warn (event, status) when a certificate expires within this. */
export const EXPIRY_WARNING_MS = 14 * 24 * 3600_000;

/** The moment a certificate valid from notBefore to notAfter is due for renewal. */
export function renewalDueAt(notBefore: number, notAfter: number): number {
  return notBefore + ((notAfter - notBefore) * 2) / 3;
}

/** How long to wait after the `failures`-th failure in a row (1-based); `retryAfterMs` is the CA's word. */
export function retryDelay(failures: number, policy: BackoffPolicy, retryAfterMs: number | null = null): number {
  return Math.max(restartDelay(failures, policy), retryAfterMs ?? 0);
}

/** When a host should next be tried: at once with no certificate, at the due time with one, never before a
 * backoff ends. */
export function nextAttemptAt(cert: { readonly notBefore: number; readonly notAfter: number } | null, backoffUntil: number | null): number {
  const due = cert === null ? 0 : renewalDueAt(cert.notBefore, cert.notAfter);
  return Math.max(due, backoffUntil ?? 0);
}

/** Reads a Retry-After (seconds or an HTTP date) out of an error from the ACME client, if it carries one. */
export function readRetryAfter(error: unknown, now: number): number | null {
  const headers = (error as { response?: { headers?: Record<string, unknown> } } | null)?.response?.headers;
  const value = headers?.['retry-after'];
  if (typeof value !== 'string' && typeof value !== 'number') return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(String(value));
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}
