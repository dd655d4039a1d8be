// A map capped at a fixed number of entries that drops the least recently used one first. Built on Map's insertion
// order: touching an entry moves it to the end, so the first key is always the oldest.

export interface LruMap<K, V> {
  readonly capacity: number;
  readonly size: number;
  /** The value, marking it as just used. */
  get(key: K): V | undefined;
  /** Stores a value as the most recently used, dropping the oldest entry when over capacity. */
  set(key: K, value: V): void;
  delete(key: K): boolean;
}

/** Creates an empty LRU map holding at most `capacity` entries. */
export function createLruMap<K, V>(capacity: number): LruMap<K, V> {
  if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError(`LRU capacity must be a positive integer, not ${String(capacity)}`);
  const entries = new Map<K, V>();
  return {
    capacity,
    get size() {
      return entries.size;
    },
    get(key) {
      const value = entries.get(key);
      if (value === undefined) return undefined;
      entries.delete(key);
      entries.set(key, value);
      return value;
    },
    set(key, value) {
      entries.delete(key);
      entries.set(key, value);
      if (entries.size > capacity) {
        const oldest = entries.keys().next();
        if (oldest.done !== true) entries.delete(oldest.value);
      }
    },
    delete(key) {
      return entries.delete(key);
    },
  };
}
