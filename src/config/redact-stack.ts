// Returns a copy of a resolved stack that is safe to print: secret values blanked wherever they appear.
import { getSecrets, isSecretKey } from './secrets.js';
import { formatPath, type PathSegment } from './source-map.js';

export const REDACTED = '<redacted>';

/** A deep copy of `stack` with secrets replaced by `<redacted>`. */
export function redactStack(stack: object): unknown {
  const secrets = getSecrets(stack);
  // Longest first, so a secret that contains another is blanked whole.
  const values = [...secrets.values].sort((a, b) => b.length - a.length);
  // `inSecret`: the path or one of its ancestors is secret (a command `{ shell }` under a secret `command`).
  const visit = (value: unknown, path: PathSegment[], inSecret: boolean): unknown => {
    const secret = inSecret || secrets.paths.has(formatPath(path));
    if (typeof value === 'string') {
      const key = [...path].reverse().find((s): s is string => typeof s === 'string') ?? '';
      if (value !== '' && (secret || isSecretKey(key))) return REDACTED;
      return values.reduce((text, item) => text.split(item).join(REDACTED), value);
    }
    if (Array.isArray(value)) return value.map((item, i) => visit(item, [...path, i], secret));
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = visit(v, [...path, k], secret);
      return out;
    }
    return value;
  };
  return visit(stack, [], false);
}
