// Certificates on disk: `.berth/tls/certs/<name>/{cert,key}.pem` (0600, folder 0700), one folder a certificate,
// written so that a crash mid-write never leaves a key that does not match its certificate.
import { X509Certificate } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface StoredCert {
  /** The host it was issued for (`*.example.com` for a wildcard). */
  readonly host: string;
  readonly cert: string;
  readonly key: string;
  readonly info: CertInfo;
}

export interface CertInfo {
  readonly issuer: string;
  readonly subjectAltNames: readonly string[];
  readonly notBefore: number;
  readonly notAfter: number;
  readonly fingerprint: string;
}

/** The `.berth/tls` folder. */
export const tlsDirOf = (stateDir: string): string => join(stateDir, 'tls');

// `*` is legal in a file name but awkward in a shell; the folder of `*.example.com` is `_wildcard.example.com`.
const folderOf = (host: string): string => host.replace(/^\*\./, '_wildcard.');
const hostOf = (folder: string): string => folder.replace(/^_wildcard\./, '*.');

/** What a PEM certificate says about itself (the first certificate of a chain). */
export function readCertInfo(pem: string): CertInfo {
  const x509 = new X509Certificate(pem);
  const names = (x509.subjectAltName ?? '').split(',').map((part) => part.trim()).filter((part) => part.startsWith('DNS:')).map((part) => part.slice(4).toLowerCase());
  const issuer = /CN=([^\n,]+)/.exec(x509.issuer)?.[1] ?? x509.issuer.replaceAll('\n', ', ');
  return { issuer, subjectAltNames: names, notBefore: Date.parse(x509.validFrom), notAfter: Date.parse(x509.validTo), fingerprint: x509.fingerprint256 };
}

/** Stores a certificate and its key (key first, certificate last: a reader that finds the certificate finds its key). */
export function saveCert(stateDir: string, host: string, cert: string, key: string): StoredCert {
  const info = readCertInfo(cert);
  const dir = join(tlsDirOf(stateDir), 'certs', folderOf(host));
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const [name, text] of [['key.pem', key], ['cert.pem', cert]] as const) {
    writeFileSync(join(dir, `${name}.tmp`), text, { mode: 0o600 });
    renameSync(join(dir, `${name}.tmp`), join(dir, name));
  }
  return { host, cert, key, info };
}

/** Every stored certificate that can be read and parsed; a damaged one is skipped (and issued again). */
export function loadStoredCerts(stateDir: string): StoredCert[] {
  const root = join(tlsDirOf(stateDir), 'certs');
  let folders: string[];
  try {
    folders = readdirSync(root);
  } catch {
    return [];
  }
  return folders.flatMap((folder) => {
    try {
      const cert = readFileSync(join(root, folder, 'cert.pem'), 'utf8');
      const key = readFileSync(join(root, folder, 'key.pem'), 'utf8');
      return [{ host: hostOf(folder), cert, key, info: readCertInfo(cert) }];
    } catch {
      return [];
    }
  });
}
