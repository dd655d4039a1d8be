// A last line of defence before anything is written to state.db: blanks the stack's secrets in every
// string of an event payload. Probe outputs are already redacted where they arise; this also covers
// exit reasons and anything a later event type carries.
import { REDACTED } from '../config/redact-stack.js';
import type { ResolvedStack } from '../config/resolved-stack.js';
import { getSecrets, isSecretKey } from '../config/secrets.js';

export type Redactor = (text: string) => string;

// Values shorter than this are not blanked: `1`, `yes` or `dev` would blank half of every message.
const MIN_SECRET_LENGTH = 4;
const URL_PASSWORD = /[a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:([^@/\s]+)@/gi;
const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)[^@/\s]+@/gi;

type SecretSource = Pick<ResolvedStack, 'env' | 'services' | 'jobs'>;

/** The secret values of a stack: those registered when it was loaded (env-file values, recipe passwords, alert
 * channel credentials: config/secrets.ts), values of secret-looking keys, URL passwords. */
export function collectSecretValues(stack: SecretSource): string[] {
  const values = new Set<string>(getSecrets(stack).values);
  const scan = (env: Readonly<Record<string, string>>): void => {
    for (const [key, value] of Object.entries(env)) {
      if (isSecretKey(key)) values.add(value);
      for (const match of value.matchAll(URL_PASSWORD)) if (match[1] !== undefined) values.add(match[1]);
    }
  };
  scan(stack.env);
  for (const service of Object.values(stack.services)) scan(service.env);
  for (const job of Object.values(stack.jobs)) scan(job.env);
  // Longest first, so a secret that contains another is blanked whole.
  return [...values].filter((v) => v.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
}

/** A function that blanks the stack's secrets in a text, and the password of any URL with credentials. */
export function createRedactor(stack: SecretSource): Redactor {
  const secrets = collectSecretValues(stack);
  return (text) => {
    const known = secrets.reduce((out, secret) => (out.includes(secret) ? out.split(secret).join(REDACTED) : out), text);
    // A password generated at run time is in no list, but in a URL it is recognisable.
    return known.replace(URL_CREDENTIALS, (_match, head: string) => `${head}${REDACTED}@`);
  };
}

/** A deep copy of a JSON-like value with every string redacted (object keys too). */
export function redactValue(value: unknown, redact: Redactor): unknown {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map((item) => redactValue(item, redact));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[redact(key)] = redactValue(item, redact);
    return out;
  }
  return value;
}
