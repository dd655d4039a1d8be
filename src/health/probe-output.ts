// Builds probe results and keeps their output short, printable and free of the instance's secrets.
import { isSecretKey } from '../config/secrets.js';
import type { ProbeResult } from './probe-types.js';

export const OUTPUT_EXCERPT = 200;
export const OUTPUT_TAIL_CHARS = 500;
export const OUTPUT_TAIL_LINES = 5;

/** A result stamped now, measured from `startedAt` (both epoch milliseconds). */
export function makeResult(ok: boolean, output: string, startedAt: number, now = Date.now()): ProbeResult {
  return { ok, output, durationMs: Math.max(0, now - startedAt), time: now };
}

/** One printable line of at most `max` characters: control characters and runs of whitespace become one space. */
export function excerptText(text: string, max = OUTPUT_EXCERPT): string {
  // eslint-disable-next-line no-control-regex -- stripping control characters is the point
  const flat = text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/[\s\x00-\x1f\x7f]+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** The last `lines` non-empty lines of `text`, each made printable, at most `max` characters in all (the end kept). */
export function tailLines(text: string, lines = OUTPUT_TAIL_LINES, max = OUTPUT_TAIL_CHARS): string {
  const kept = text
    .split(/\r?\n/)
    .map((line) => excerptText(line, max))
    .filter((line) => line !== '')
    .slice(-lines)
    .join('\n');
  return kept.length > max ? `…${kept.slice(kept.length - max + 1)}` : kept;
}

/** Blanks the instance's secrets in probe output: values of secret-looking env keys and passwords inside URLs. */
export function redactOutput(text: string, env: Readonly<Record<string, string>>): string {
  const secrets = secretsOf(env);
  if (secrets.length === 0) return text;
  return secrets.reduce((out, secret) => (out.includes(secret) ? out.split(secret).join('<redacted>') : out), text);
}

// Why cache: a live probe every second redacts every result, and the list is built from the instance's whole
// environment (a regex per value). An instance's env object is not changed once built, so it is the key.
const secretsCache = new WeakMap<object, readonly string[]>();

function secretsOf(env: Readonly<Record<string, string>>): readonly string[] {
  const cached = secretsCache.get(env);
  if (cached !== undefined) return cached;
  const secrets = new Set<string>();
  for (const [key, value] of Object.entries(env)) {
    if (value.length >= 4 && isSecretKey(key)) secrets.add(value);
    // Why: DATABASE_URL is not a secret-looking key, yet its password is; psql and friends echo URLs in errors.
    for (const match of value.matchAll(/[a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:([^@/\s]+)@/gi)) {
      const password = match[1];
      if (password !== undefined && password.length >= 4) {
        secrets.add(password);
        secrets.add(decodeURIComponentSafe(password));
      }
    }
  }
  // Longest first, so a secret that contains another is blanked whole.
  const sorted = [...secrets].sort((a, b) => b.length - a.length);
  secretsCache.set(env, sorted);
  return sorted;
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The message of anything thrown: an errno code first when there is one (ECONNREFUSED, ENOENT). */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code !== undefined && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}
