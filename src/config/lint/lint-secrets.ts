// Lint rules on secrets: literals that belong in an env file, env files that git tracks.
import { relative } from 'node:path';
import { createDiagnostic, type Diagnostic } from '../../errors/diagnostic.js';
import { isSecretKey } from '../secrets.js';
import type { PathSegment } from '../source-map.js';
import { at, type LintContext } from './lint-context.js';

// Shapes of well-known credentials, so a token under an innocent key is caught too.
const SECRET_SHAPES: readonly RegExp[] = [
  /(^|[\s"'=])[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@$]+@/i, // a URL with user:password@, also inside a command
  /\b(sk|rk)_(live|test)_[A-Za-z0-9]{16,}/, // Stripe
  /\bgh[pousr]_[A-Za-z0-9]{30,}/, // GitHub
  /\bgithub_pat_[A-Za-z0-9_]{30,}/,
  /\bglpat-[A-Za-z0-9_-]{20,}/, // GitLab
  /\bxox[abpr]-[A-Za-z0-9-]{10,}/, // Slack
  /\bAKIA[0-9A-Z]{16}\b/, // AWS access key id
  /\b\d{8,10}:[A-Za-z0-9_-]{35}\b/, // Telegram bot token
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
];

// Keys whose values are paths or names, not secrets, even though they match a secret-looking key pattern.
const NOT_SECRET_KEYS = new Set(['encrypt_key', 'key', 'copy_headers', 'cert', 'dns_hook']);
// `DB_PASSWORD_FILE=/run/secrets/db`: the value says where the secret is, not what it is.
const NAMES_A_PATH = /_(FILE|PATH|DIR)$/i;

// `path` is one array pushed and popped as the walk goes; `visit` must copy it to keep it.
function walkStrings(value: unknown, path: PathSegment[], visit: (text: string, path: PathSegment[]) => void, depth = 0): void {
  if (depth > 64) return;
  if (typeof value === 'string') {
    visit(value, path);
  } else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) {
      path.push(i);
      walkStrings(value[i], path, visit, depth + 1);
      path.pop();
    }
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      path.push(k);
      walkStrings(v, path, visit, depth + 1);
      path.pop();
    }
  }
}

function lastKey(path: readonly PathSegment[]): string {
  for (let i = path.length - 1; i >= 0; i -= 1) {
    const segment = path[i];
    if (typeof segment === 'string') return segment;
  }
  return '';
}

/** A secret-looking literal written into berth.yml instead of an env file. */
export function lintSecretLiterals(context: LintContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  const reported = new Set<string>();
  walkStrings(context.raw, [], (text, path) => {
    // Only what is written literally counts: `${VAR}` parts come from elsewhere, so they are cut out first.
    const literal = text.includes('${') ? text.replace(/\$\{[^}]*\}/g, '') : text;
    if (literal.trim() === '') return;
    const key = lastKey(path);
    const byKey = literal === text && isSecretKey(key) && !NOT_SECRET_KEYS.has(key) && !NAMES_A_PATH.test(key) && path[path.length - 2] !== 'copy_headers';
    if (!byKey && !SECRET_SHAPES.some((shape) => shape.test(literal))) return;
    const where = at(context, path);
    // An `environments:` block overlaid on the file shows the same literal at two paths; report it once.
    const place = where.location === undefined ? where.path : `${where.location.file}:${String(where.location.line)}:${String(where.location.column)}`;
    if (reported.has(place)) return;
    reported.add(place);
    const variable = variableFor(path[0] === 'environments' ? path.slice(2) : path, key);
    const service = path[0] === 'services' && typeof path[1] === 'string' ? path[1] : undefined;
    out.push(createDiagnostic('BERTH_W_SECRET_LITERAL', { ...where, service, params: { field: `\`${where.path}\``, variable }, expected: `\${${variable}} with the value in .env`, found: 'a literal value (not shown)' }));
  });
  return out;
}

// `services.db.password` → DB_PASSWORD; `services.web.env.API_TOKEN` → WEB_API_TOKEN; elsewhere the key itself.
function variableFor(path: readonly PathSegment[], key: string): string {
  const name = path.length >= 3 && path[0] === 'services' ? `${String(path[1])}_${key}` : key;
  return name.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
}

/** An env file that git tracks. */
export function lintTrackedEnvFiles(context: LintContext): Diagnostic[] {
  const check = context.isTrackedByGit;
  if (check === undefined) return [];
  // A file named by the stack and by a service is read twice but reported once.
  return [...new Set(context.envFiles)]
    .filter((file) => check(file))
    .map((file) => {
      const shown = relative(context.stack.root, file) || file;
      return createDiagnostic('BERTH_W_ENV_FILE_TRACKED', { location: { file, line: 1, column: 1 }, params: { file: shown }, expected: 'an untracked env file', found: 'tracked by git' });
    });
}
