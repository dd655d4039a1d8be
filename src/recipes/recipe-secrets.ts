// Passwords Berth makes for recipes (a postgres role without `password:`, the cluster's superuser), made once and
// kept 0600 under `.berth/secrets/`, so they survive restarts and never appear in berth.yml or the logs.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The path of a stored secret. */
export function secretPath(stateDir: string, name: string): string {
  return join(stateDir, 'secrets', name);
}

/** Reads a stored secret, or undefined when there is none. */
export function readSecret(stateDir: string, name: string): string | undefined {
  try {
    const value = readFileSync(secretPath(stateDir, name), 'utf8').trim();
    return value === '' ? undefined : value;
  } catch {
    return undefined;
  }
}

/** Reads a stored secret, making and storing a new random one (URL-safe) the first time. */
export function readOrCreateSecret(stateDir: string, name: string): string {
  const existing = readSecret(stateDir, name);
  if (existing !== undefined) return existing;
  const dir = join(stateDir, 'secrets');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const value = randomBytes(24).toString('base64url');
  // `wx`: two starts racing must not both write; the loser reads the winner's value.
  try {
    writeFileSync(secretPath(stateDir, name), `${value}\n`, { mode: 0o600, flag: 'wx' });
  } catch {
    return readSecret(stateDir, name) ?? value;
  }
  return value;
}
