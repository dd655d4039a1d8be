// One certificate from an ACME CA with acme-client: the stored account (registered on first use), a new ECDSA
// key and CSR for the host, HTTP-01 answered by the edge (or DNS-01 through the dns_hook for a wildcard).
import acme from 'acme-client';
import { loadOrCreateAccount, saveAccount } from './acme-account.js';
import { runDnsHook, waitForTxt, type DnsHookOptions } from './dns-hook.js';

export interface Http01Answers {
  /** Resolves once every edge worker answers the token. */
  set(token: string, keyAuthorization: string): Promise<void>;
  clear(token: string): Promise<void>;
}

export interface IssueOptions {
  readonly directoryUrl: string;
  readonly email: string;
  readonly stateDir: string;
  readonly host: string;
  readonly http01: Http01Answers;
  /** Null when no dns_hook is configured (a wildcard host then cannot be issued). */
  readonly dns01: DnsHookOptions | null;
}

/** Directory URLs for the schema's names; anything else is a URL already. */
export function resolveDirectoryUrl(directory: string): string {
  if (directory === 'production') return acme.directory.letsencrypt.production;
  if (directory === 'staging') return acme.directory.letsencrypt.staging;
  return directory;
}

/** Gets a certificate for `host`; throws with the CA's or the hook's reason. */
export async function issueCertificate(options: IssueOptions): Promise<{ readonly cert: string; readonly key: string }> {
  const { host, dns01 } = options;
  const wildcard = host.startsWith('*.');
  if (wildcard && dns01 === null) throw new Error(`${host} is a wildcard: it needs DNS-01, so set edge.tls.acme.dns_hook`);
  const account = await loadOrCreateAccount(options.stateDir, options.directoryUrl);
  const client = new acme.Client({ directoryUrl: options.directoryUrl, accountKey: account.key, ...(account.url === null ? {} : { accountUrl: account.url }) });
  const [key, csr] = await acme.crypto.createCsr({ altNames: [host] }, await acme.crypto.createPrivateEcdsaKey('P-256'));
  const cert = await client.auto({
    csr,
    email: options.email,
    termsOfServiceAgreed: true,
    // Berth checks what it can itself (the edge acknowledged the token; the TXT record is visible) before the CA is
    // asked; acme-client's own check would fetch http://host/ through the public DNS, which a private CA never sees.
    skipChallengeVerification: true,
    challengePriority: wildcard ? ['dns-01'] : ['http-01'],
    challengeCreateFn: async (authz, challenge, keyAuthorization) => {
      if (challenge.type === 'http-01') await options.http01.set(challenge.token, keyAuthorization);
      else if (dns01 !== null) {
        const name = `_acme-challenge.${authz.identifier.value}`;
        await runDnsHook(dns01, 'set', name, keyAuthorization);
        await waitForTxt(dns01, name, keyAuthorization);
      } else throw new Error(`cannot answer a ${challenge.type} challenge without a dns_hook`);
    },
    challengeRemoveFn: async (authz, challenge, keyAuthorization) => {
      if (challenge.type === 'http-01') await options.http01.clear(challenge.token);
      else if (dns01 !== null) await runDnsHook(dns01, 'clear', `_acme-challenge.${authz.identifier.value}`, keyAuthorization);
    },
  });
  if (account.url === null) saveAccount(options.stateDir, options.directoryUrl, { key: account.key, url: client.getAccountUrl() });
  return { cert, key: key.toString() };
}
