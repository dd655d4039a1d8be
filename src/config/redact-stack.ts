// Returns a copy of a resolved stack that is safe to print: secret values blanked wherever they appear.
import { getSecrets, isSecretKey } from './secrets.js';
import { formatPath, type PathSegment } from './source-map.js';

export const REDACTED = '<redacted>';

/** A deep copy of `stack` with secrets replaced by `<redacted>`. */
export function redactStack(stack: object): unknown {
  const secrets = getSecrets(stack);
  // Longest first, so a secret that contains another is blanked whole.
  const values = [...secrets.values].sort((a, b) => b.length - a.length);
  const visit = (value: unknown, path: PathSegment[]): unknown => {
    if (typeof value === 'string') {
      const key = [...path].reverse().find((s): s is string => typeof s === 'string') ?? '';
      if (value !== '' && (isSecretKey(key) || secrets.paths.has(formatPath(path)))) return REDACTED;
      return values.reduce((text, secret) => text.split(secret).join(REDACTED), value);
    }
    if (Array.isArray(value)) return value.map((item, i) => visit(item, [...path, i]));
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = visit(v, [...path, k]);
      return out;
    }
    return value;
  };
  return visit(stack, []);
}
