// The HTTPS listener's certificates: one secure context per certificate, built when a set arrives (never per
// handshake), looked up by SNI — the exact name first, then the `*.` wildcard one label up, else none, and the
// handshake fails (another host's certificate is never served). A new set replaces the lookup map in one
// assignment: connections keep the context they shook hands with, new handshakes get the new map.
// Private keys never leave the secure contexts: no message or error here names one.
import { constants } from 'node:crypto';
import { createSecureContext, type SecureContext, type SecureContextOptions } from 'node:tls';
import type { EdgeCert } from './edge-ipc.js';

/** Mozilla's "intermediate" profile: TLS 1.2 with ECDHE and AES-GCM or ChaCha20-Poly1305, and the TLS 1.3 suites. */
export const edgeCiphers = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

/** What the listener and every certificate's context share: TLS 1.2 minimum, the cipher list, the server's order. */
export const edgeTlsOptions = {
  minVersion: 'TLSv1.2',
  ciphers: edgeCiphers,
  honorCipherOrder: true,
} as const satisfies SecureContextOptions & { honorCipherOrder: boolean };

export type SniCallback = (servername: string, callback: (error: Error | null, context?: SecureContext) => void) => void;

export interface CertProblem {
  readonly hosts: readonly string[];
  /** Why its context could not be built (OpenSSL's reason; never key material). */
  readonly reason: string;
}

export interface TlsContexts {
  /** For the listener's `SNICallback`. */
  readonly sniCallback: SniCallback;
  /** Replaces the set. A certificate that cannot be loaded is skipped (its hosts keep their previous context, if
   * any) and returned. */
  set(certs: readonly EdgeCert[]): CertProblem[];
  /** The context for a server name, or null. */
  lookup(servername: string): SecureContext | null;
}

/** OpenSSL's reason for a failed load, with nothing that could be PEM text. */
export function describeTlsError(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : '';
  const safe = message.includes('-----') || message.length > 200 ? '' : message;
  if (typeof code === 'string' && safe !== '') return `${code}: ${safe}`;
  if (typeof code === 'string') return code;
  return safe === '' ? 'the certificate or key could not be loaded' : safe;
}

function contextFor(cert: EdgeCert): SecureContext {
  return createSecureContext({
    cert: cert.cert,
    key: cert.key,
    minVersion: edgeTlsOptions.minVersion,
    ciphers: edgeTlsOptions.ciphers,
    secureOptions: constants.SSL_OP_CIPHER_SERVER_PREFERENCE,
  });
}

/** The first certificate of `certs` whose context cannot be built, or null when all load (key matching cert). */
export function checkEdgeCerts(certs: readonly EdgeCert[]): CertProblem | null {
  for (const cert of certs) {
    try {
      contextFor(cert);
    } catch (error) {
      return { hosts: [...cert.hosts], reason: describeTlsError(error) };
    }
  }
  return null;
}

/** Lower case, without a trailing dot. */
function normalizeName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

/** The name's own entry, else the wildcard one label up (`x.w.test` → `*.w.test`; never two labels up). */
export function lookupServerName<T>(map: ReadonlyMap<string, T>, servername: string): T | undefined {
  const name = normalizeName(servername);
  if (name === '') return undefined;
  const exact = map.get(name);
  if (exact !== undefined) return exact;
  const dot = name.indexOf('.');
  if (dot <= 0 || dot === name.length - 1) return undefined;
  return map.get(`*${name.slice(dot)}`);
}

export function createTlsContexts(initial: readonly EdgeCert[] = []): TlsContexts {
  let byName = new Map<string, SecureContext>();
  /** For names no certificate covers: no certificate, so the handshake ends in a handshake_failure alert. */
  let certless: SecureContext | undefined;

  const contexts: TlsContexts = {
    sniCallback(servername, callback) {
      certless ??= createSecureContext({ minVersion: edgeTlsOptions.minVersion, ciphers: edgeTlsOptions.ciphers });
      callback(null, lookupServerName(byName, servername) ?? certless);
    },
    set(certs) {
      const next = new Map<string, SecureContext>();
      const problems: CertProblem[] = [];
      for (const cert of certs) {
        let context: SecureContext;
        try {
          context = contextFor(cert);
        } catch (error) {
          problems.push({ hosts: [...cert.hosts], reason: describeTlsError(error) });
          continue;
        }
        for (const host of cert.hosts) {
          const name = normalizeName(host);
          if (!next.has(name)) next.set(name, context); // the first certificate naming a host wins
        }
      }
      // A host whose new certificate did not load keeps the one it had.
      for (const problem of problems) {
        for (const host of problem.hosts) {
          const name = normalizeName(host);
          const kept = byName.get(name);
          if (!next.has(name) && kept !== undefined) next.set(name, kept);
        }
      }
      byName = next;
      return problems;
    },
    lookup(servername) {
      return lookupServerName(byName, servername) ?? null;
    },
  };
  contexts.set(initial);
  return contexts;
}
