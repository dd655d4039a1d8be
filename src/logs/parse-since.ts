// `berth logs --since`: a duration back from now (`10m`, `2h`) or a point in time (ISO 8601).
import { parseDuration } from '../shared/duration.js';

/** The time `text` means, in milliseconds since the epoch; undefined when it is neither form. */
export function parseSince(text: string, now: number = Date.now()): number | undefined {
  const duration = parseDuration(text);
  if (duration !== undefined) return now - duration;
  // Date.parse accepts far more than ISO 8601 (and guesses); only dates that start like one count.
  if (!/^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i.test(text.trim())) return undefined;
  const time = Date.parse(text.trim().replace(' ', 'T'));
  return Number.isNaN(time) ? undefined : time;
}
