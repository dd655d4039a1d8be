// JSON with object keys sorted at every level, so equal values always give equal text (and equal hashes).

/** Serializes `value` with sorted keys; `undefined` members are dropped as JSON.stringify drops them. */
export function stringifyStable(value: unknown): string {
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((item: unknown) => (item === undefined ? 'null' : stringifyStable(item))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${stringifyStable(item)}`).join(',')}}`;
}
