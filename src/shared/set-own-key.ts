// Sets a key on a plain object built from user data.
// Why not plain assignment always: `out['__proto__'] = v` changes the prototype instead of adding a key, so a user's
// `__proto__:` would vanish (or worse). Why not defineProperty always: it is several times slower than assignment,
// and the loader copies every key of a stack file in three walks.

/** Sets `key` as an own, enumerable, writable property of `target`, even when the key is `__proto__`. */
export function setOwnKey(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}
