// Tracks which values of a resolved stack are secret, without putting them anywhere they could be printed.
import { collectAlertSecrets } from '../alerts/alert-secrets.js';
import type { ResolvedStack } from './resolved-stack.js';

interface SecretInfo {
  /** Values to blank wherever they appear (env-file values, recipe passwords). */
  readonly values: ReadonlySet<string>;
  /** Formatted field paths whose whole value is secret. */
  readonly paths: ReadonlySet<string>;
}

// Why a WeakMap: secrets must never be a property of the stack, or a JSON dump of it would leak them.
const registry = new WeakMap<object, SecretInfo>();

/** Records the secrets of a resolved stack. */
export function registerSecrets(stack: object, info: SecretInfo): void {
  registry.set(stack, info);
}

/** The secrets recorded for a stack (empty when none). */
export function getSecrets(stack: object): SecretInfo {
  return registry.get(stack) ?? { values: new Set(), paths: new Set() };
}

/** Key names that hold secrets whatever their value: passwords, tokens, keys, credentials. */
export const SECRET_KEY_PATTERN = /(pass(word|wd)?|secret|token|api[_-]?key|private[_-]?key|access[_-]?key|credential|auth[_-]?key|dsn|smtp)$|^(password|token|secret)$/i;

/** True when a key name looks like it holds a secret. */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY_PATTERN.test(key) || /(^|_)(PASSWORD|SECRET|TOKEN|API_KEY|PRIVATE_KEY)(_|$)/i.test(key);
}

interface SecretSources {
  /** Values of every env file read (stack-wide and per service or job). */
  readonly envFiles: readonly ReadonlyMap<string, string>[];
  /** Formatted paths of values interpolated from an env-file variable. */
  readonly interpolated: ReadonlySet<string>;
}

type Env = Readonly<Record<string, string>>;

// Why encoded forms too: `${services.db.url}` writes the password URL-encoded, which a plain match would miss.
/** The secrets of a resolved stack: env-file values, recipe passwords, and the paths that carry them. */
export function collectSecrets(stack: Pick<ResolvedStack, 'env' | 'services' | 'jobs'> & { readonly alerts?: Pick<ResolvedStack['alerts'], 'channels'> }, sources: SecretSources): SecretInfo {
  const values = new Set<string>();
  const add = (value: string): void => {
    values.add(value);
    values.add(encodeURIComponent(value));
  };
  for (const file of sources.envFiles) for (const value of file.values()) if (value.length >= 4) add(value);
  for (const service of Object.values(stack.services)) if (service.password !== null && service.password !== '') add(service.password);
  // Alert credentials (bot tokens, webhook secrets, SMTP passwords, Slack webhook URLs), even written into berth.yml.
  for (const value of collectAlertSecrets(stack.alerts?.channels ?? [])) values.add(value);
  // A list command becomes `{ argv: [...] }` once resolved, so a secret anywhere in it marks the whole command.
  const paths = new Set([...sources.interpolated].map((path) => path.replace(/\b(command|release|exec)\[\d+\]$/, '$1')));
  // Env-file values are passed on into every `env`; so are stack-wide `env` values, which may hold a secret.
  const markEnv = (prefix: string, env: Env): void => {
    for (const [key, value] of Object.entries(env)) {
      const fromFile = sources.envFiles.some((file) => file.get(key) === value);
      const inherited = prefix !== '' && paths.has(`env.${key}`) && stack.env[key] === value;
      if (fromFile || inherited) paths.add(`${prefix}env.${key}`);
    }
  };
  markEnv('', stack.env);
  for (const [name, service] of Object.entries(stack.services)) markEnv(`services.${name}.`, service.env);
  for (const [name, job] of Object.entries(stack.jobs)) markEnv(`jobs.${name}.`, job.env);
  return { values, paths };
}
