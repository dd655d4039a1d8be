// Log timestamps: ISO-8601 UTC with milliseconds, e.g. `2026-05-01T12:00:00.123Z`.

let cachedMs = Number.NaN;
let cachedText = '';

/**
 * Formats `ms` (since the epoch) as an ISO-8601 UTC time with milliseconds.
 * Why the cache: a chatty child produces thousands of chunks a second, and `toISOString` costs
 * about as much as handling a whole chunk; within one millisecond the string is the same.
 */
export function formatTimestamp(ms: number): string {
  if (ms !== cachedMs) {
    cachedMs = ms;
    cachedText = new Date(ms).toISOString();
  }
  return cachedText;
}
