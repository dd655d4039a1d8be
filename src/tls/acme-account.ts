// The ACME account: an ECDSA P-256 key made once and kept 0600 in `.berth/tls/account.json` with the account URL
// the CA gave it, one account per directory URL (staging and production are different CAs).
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import acme from 'acme-client';
import { tlsDirOf } from './cert-store.js';

export interface AcmeAccount {
  readonly key: string;
  /** Known once the CA registered the key; then no new registration is made. */
  readonly url: string | null;
}

const fileOf = (stateDir: string, directoryUrl: string): string => join(tlsDirOf(stateDir), `account-${createHash('sha256').update(directoryUrl).digest('hex').slice(0, 12)}.json`);

/** The stored account for this directory, or a new key (not yet registered) stored at once. */
export async function loadOrCreateAccount(stateDir: string, directoryUrl: string): Promise<AcmeAccount> {
  const file = fileOf(stateDir, directoryUrl);
  try {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { key?: unknown; url?: unknown };
    if (typeof stored.key === 'string') return { key: stored.key, url: typeof stored.url === 'string' ? stored.url : null };
  } catch {
    // None yet (or unreadable): make one below.
  }
  const key = (await acme.crypto.createPrivateEcdsaKey('P-256')).toString();
  saveAccount(stateDir, directoryUrl, { key, url: null });
  return { key, url: null };
}

export function saveAccount(stateDir: string, directoryUrl: string, account: AcmeAccount): void {
  const file = fileOf(stateDir, directoryUrl);
  mkdirSync(tlsDirOf(stateDir), { recursive: true, mode: 0o700 });
  writeFileSync(`${file}.tmp`, JSON.stringify({ directory: directoryUrl, url: account.url, key: account.key }), { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}
