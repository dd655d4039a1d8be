// Tracks which values of a resolved stack are secret, without putting them anywhere they could be printed.

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
