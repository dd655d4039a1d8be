// Compose `environment` (map or `KEY=value` list) becomes `env`. Literal secrets are replaced by `${KEY}`
// references; URLs and hosts naming another compose service are rewritten to Berth service references.
import { convertComposeVariables } from './convert-compose-variables.js';
import type { DraftValue } from './init-draft.js';
import { isSecretLiteral } from './secret-values.js';

/** What env mapping needs to know about the other services: compose name → Berth name and recipe. */
export type ServiceDirectory = ReadonlyMap<string, { readonly name: string; readonly recipe?: 'postgres' | 'redis' | undefined }>;

export interface MappedEnvironment {
  readonly env: Record<string, DraftValue>;
  readonly comments: Record<string, string>;
  readonly notes: string[];
}

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const URL = /^([a-z][a-z0-9+.-]*):\/\/(?:[^@/\s]*@)?([A-Za-z0-9_.-]+)(?::(\d+))?(\/[^?#\s]*)?([?#].*)?$/i;
const RECIPE_SCHEMES: Readonly<Record<string, string>> = { postgres: 'postgres', postgresql: 'postgres', redis: 'redis' };

/** Reads compose `environment` into key → raw value (null: taken from the shell when compose runs). */
export function readComposeEnvironment(raw: unknown): { entries: Map<string, unknown>; notes: string[] } {
  const entries = new Map<string, unknown>();
  const notes: string[] = [];
  if (Array.isArray(raw)) {
    for (const item of raw) {
      if (typeof item !== 'string') {
        notes.push(`environment entry ${JSON.stringify(item)} is not KEY=value`);
        continue;
      }
      const eq = item.indexOf('=');
      entries.set(eq < 0 ? item : item.slice(0, eq), eq < 0 ? null : item.slice(eq + 1));
    }
  } else if (raw !== null && typeof raw === 'object') {
    for (const [key, value] of Object.entries(raw)) entries.set(key, value);
  } else if (raw !== undefined) {
    notes.push('environment: not a mapping or a list');
  }
  return { entries, notes };
}

/** Maps compose environment entries to Berth `env`, with a comment for every value that was changed. */
export function mapComposeEnvironment(entries: ReadonlyMap<string, unknown>, services: ServiceDirectory, file: string): MappedEnvironment {
  const env: Record<string, DraftValue> = {};
  const comments: Record<string, string> = {};
  const notes: string[] = [];
  for (const [key, raw] of entries) {
    if (!KEY.test(key)) {
      notes.push(`environment ${key}: not a valid variable name for Berth`);
      continue;
    }
    if (raw === null || raw === undefined) {
      env[key] = `\${${key}}`;
      comments[key] = `compose passed ${key} through from the shell; set it in .env`;
      continue;
    }
    if (typeof raw === 'number' || typeof raw === 'boolean') {
      env[key] = raw;
      continue;
    }
    if (typeof raw !== 'string') {
      notes.push(`environment ${key}: not a string, number or boolean`);
      continue;
    }
    const rewritten = rewriteServiceReference(key, raw, services);
    if (rewritten !== undefined) {
      env[key] = rewritten.value;
      comments[key] = rewritten.comment;
    } else if (isSecretLiteral(key, raw)) {
      env[key] = `\${${key}}`;
      comments[key] = `not copied: ${file} has this secret literally; put ${key}=... in .env`;
    } else {
      env[key] = convertComposeVariables(raw);
    }
  }
  return { env, comments, notes };
}

// Inside compose, services reach each other by service name; natively they are on 127.0.0.1.
function rewriteServiceReference(key: string, value: string, services: ServiceDirectory): { value: string; comment: string } | undefined {
  const host = services.get(value);
  if (host !== undefined && /HOST/i.test(key)) return { value: `\${services.${host.name}.host}`, comment: `was ${value}, the compose service name` };
  const url = URL.exec(value);
  const target = url?.[2] === undefined ? undefined : services.get(url[2]);
  if (url === null || target === undefined) return undefined;
  const scheme = (url[1] ?? '').toLowerCase();
  if (target.recipe !== undefined && RECIPE_SCHEMES[scheme] === target.recipe) {
    const suffix = url[5] ?? '';
    const converted = convertComposeVariables(suffix);
    return { value: `\${services.${target.name}.url}${converted}`, comment: `was a ${scheme} URL to compose service ${url[2]}; Berth's url carries the recipe's user, password and database` };
  }
  if (isSecretLiteral(key, value)) return undefined;
  const rest = `${url[3] === undefined ? '' : `:${url[3]}`}${url[4] ?? ''}${url[5] ?? ''}`;
  return { value: convertComposeVariables(`${scheme}://\${services.${target.name}.host}${rest}`), comment: `was ${url[2]}, the compose service name` };
}
