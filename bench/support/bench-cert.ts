// A throwaway certificate for the TLS rows of the P6 benchmark (bench/edge.bench.ts): a CA and a leaf for `host`
// (SAN DNS:host and IP:127.0.0.1), both ECDSA P-256, made with the openssl command line in `dir`. Every contestant
// (nginx, Caddy, the edge) serves the same leaf and key files, so the handshake's signature and the bytes sent are
// the same for all. The leaf alone is served (no chain: the CA is never sent, as with a real root).
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface BenchCert {
  readonly host: string;
  /** PEM files: the leaf certificate, its private key (PKCS#8), the CA certificate. */
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile: string;
  /** The same, read. */
  readonly cert: string;
  readonly key: string;
  /** What the leaf is, for the report: `ECDSA P-256, SHA-256, N bytes DER`. */
  readonly describe: string;
}

function openssl(args: readonly string[], cwd: string): string {
  const result = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (result.error !== undefined) throw new Error(`openssl is not installed: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

export function makeBenchCert(dir: string, host: string): BenchCert {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-sha256', '-subj', '/CN=Berth bench CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  openssl(['req', '-new', ...ec, '-keyout', 'leaf.key', '-out', 'leaf.csr', '-sha256', '-subj', `/CN=${host}`], dir);
  writeFileSync(join(dir, 'leaf.ext'), [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature',
    'extendedKeyUsage=serverAuth',
    `subjectAltName=DNS:${host},IP:127.0.0.1`,
    '',
  ].join('\n'));
  openssl(['x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'leaf.crt', '-days', '2', '-sha256', '-extfile', 'leaf.ext'], dir);
  const certFile = join(dir, 'leaf.crt');
  const keyFile = join(dir, 'leaf.key');
  const verified = openssl(['verify', '-CAfile', 'ca.crt', 'leaf.crt'], dir).trim();
  if (!verified.endsWith('OK')) throw new Error(`the bench certificate does not verify: ${verified}`);
  const cert = readFileSync(certFile, 'utf8');
  const derBytes = Buffer.from(cert.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64').length;
  return {
    host,
    certFile,
    keyFile,
    caFile: join(dir, 'ca.crt'),
    cert,
    key: readFileSync(keyFile, 'utf8'),
    describe: `ECDSA P-256 leaf for ${host} (SAN DNS:${host}, IP:127.0.0.1) signed by a throwaway P-256 CA, SHA-256, ${String(derBytes)} bytes DER, served without chain`,
  };
}
