// Decides which values from a source file are secrets, so init never copies one into berth.yml.
import { isSecretKey } from '../config/secrets.js';

// Shapes of well-known credentials, so a token under an innocent key is caught too.
const SECRET_SHAPES: readonly RegExp[] = [
  /^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i, // a URL with user:password@
  /\b(sk|rk|pk)_(live|test)_[A-Za-z0-9]{16,}/,
  /\bgh[pousr]_[A-Za-z0-9]{30,}/,
  /\bgithub_pat_[A-Za-z0-9_]{30,}/,
  /\bglpat-[A-Za-z0-9_-]{20,}/,
  /\bxox[abpr]-[A-Za-z0-9-]{10,}/,
  /\bAKIA[0-9A-Z]{16}\b/,
  /\b\d{8,10}:[A-Za-z0-9_-]{35}\b/,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
];

/** The literal credentials inside `text` (whole words: a URL with a password, a token, `--password value`). */
export function findSecretWords(text: string): string[] {
  const found = new Set<string>();
  for (const word of text.split(/[\s'"]+/)) {
    if (word === '' || word.includes('${')) continue;
    if (SECRET_SHAPES.some((shape) => shape.test(word))) found.add(word);
  }
  for (const match of text.matchAll(/--?(?:password|passwd|pass|token|secret|api[-_]?key|requirepass)[= ]+([^\s'"]+)/gi)) {
    const value = match[1] ?? '';
    if (value !== '' && !value.includes('${') && !value.startsWith('$')) found.add(value);
  }
  return [...found];
}

/** `text` with each literal credential in it replaced by `<redacted>`, for comments. */
export function redactText(text: string): string {
  return findSecretWords(text).reduce((out, word) => out.split(word).join('<redacted>'), text);
}

/** True when `value` under `key` is a literal secret: a secret-looking key with a non-empty literal, or a credential shape. */
export function isSecretLiteral(key: string, value: unknown): boolean {
  if (typeof value !== 'string' && typeof value !== 'number') return false;
  const text = String(value).trim();
  if (text === '' || isReferenceOnly(text)) return false;
  return isSecretKey(key) || SECRET_SHAPES.some((shape) => shape.test(text));
}

/** True when the secret parts of the text are `${VAR}` references, so nothing secret is written literally. */
function isReferenceOnly(text: string): boolean {
  return text.includes('${') && !SECRET_SHAPES.some((shape) => shape.test(text.replace(/\$\{[^}]*\}/g, '')));
}

/** A copy of `value` with every secret-looking leaf replaced by `<redacted>`, for comments that quote a source. */
export function redactSecrets(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) return value.map((item: unknown) => redactListItem(item, key));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactSecrets(v, k)]));
  return isSecretLiteral(key, value) ? '<redacted>' : value;
}

function redactListItem(item: unknown, key: string): unknown {
  if (typeof item === 'string') {
    const eq = item.indexOf('=');
    if (eq > 0 && isSecretLiteral(item.slice(0, eq), item.slice(eq + 1))) return `${item.slice(0, eq)}=<redacted>`;
  }
  return redactSecrets(item, key);
}
