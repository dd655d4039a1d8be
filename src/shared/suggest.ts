// "Did you mean" suggestions for misspelt keys, service names and commands.
import { distance } from 'fastest-levenshtein';

/** Returns the closest candidate within a typo's reach, or undefined. */
export function findClosest(input: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const needle = input.toLowerCase();
  for (const candidate of candidates) {
    const d = distance(needle, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  const limit = input.length <= 3 ? 1 : Math.max(2, Math.floor(input.length / 3));
  return best !== undefined && bestDistance <= limit ? best : undefined;
}

/** A hint sentence: "did you mean X?" or the list of valid choices. */
export function describeChoices(input: string, candidates: readonly string[], noun: string): string {
  const closest = findClosest(input, candidates);
  if (closest !== undefined) return `did you mean \`${closest}\`?`;
  if (candidates.length === 0) return `no ${noun} is allowed here`;
  const shown = candidates.slice(0, 12).map((c) => `\`${c}\``).join(', ');
  return `valid ${noun}s: ${shown}${candidates.length > 12 ? ', …' : ''}`;
}
