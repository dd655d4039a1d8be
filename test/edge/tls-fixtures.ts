// TLS fixtures for edge tests: a throwaway CA made with the openssl CLI that issues leaf certificates (EC P-256) for
// given names, and HTTPS/TLS clients that report the certificate the edge served.
import { execFileSync } from 'node:child_process';
import { X509Certificate, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request, type Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TLSSocket, connect, type ConnectionOptions } from 'node:tls';
import type { EdgeCert } from '../../src/edge/edge-ipc.js';
import type { Answer } from './edge-fixtures.js';

export interface TestCa {
  /** The CA certificate (PEM), for clients' `ca`. */
  readonly ca: string;
  /** A new key and a certificate for `hosts` (the first is the common name), signed by the CA. */
  issue(hosts: readonly string[]): EdgeCert;
  close(): void;
}

function openssl(args: readonly string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

export function createTestCa(): TestCa {
  const dir = mkdtempSync(join(tmpdir(), 'berth-edge-ca-'));
  const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(['req', '-x509', ...ecKey, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Berth Test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  let issued = 0;
  return {
    ca: readFileSync(join(dir, 'ca.pem'), 'utf8'),
    issue(hosts) {
      const name = `leaf${String(++issued)}`;
      writeFileSync(join(dir, `${name}.ext`), [
        `subjectAltName=${hosts.map((host) => `DNS:${host}`).join(',')}`,
        'basicConstraints=critical,CA:FALSE',
        'keyUsage=critical,digitalSignature',
        'extendedKeyUsage=serverAuth',
      ].join('\n'));
      openssl(['req', '-new', ...ecKey, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${hosts[0] ?? 'x'}`], dir);
      openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', `0x${randomBytes(8).toString('hex')}`,
        '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.pem`], dir);
      return { hosts: [...hosts], cert: readFileSync(join(dir, `${name}.pem`), 'utf8'), key: readFileSync(join(dir, `${name}.key`), 'utf8') };
    },
    close() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** SHA-256 fingerprint of a PEM certificate, as `getPeerCertificate().fingerprint256` writes it. */
export function fingerprintOf(cert: EdgeCert): string {
  return new X509Certificate(cert.cert).fingerprint256;
}

export interface Handshake {
  readonly fingerprint: string;
  readonly protocol: string | null;
  readonly cipher: string;
}

/** A TLS handshake with the edge on 127.0.0.1 (then closed): the certificate served, the protocol and cipher, or
 * the error. `timeoutMs`: of silence (a generous bound, not a timing assertion). */
export function handshake(port: number, options: ConnectionOptions, timeoutMs = 30_000): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ...options }, () => {
      const result = { fingerprint: socket.getPeerCertificate().fingerprint256, protocol: socket.getProtocol(), cipher: socket.getCipher().name };
      socket.end();
      resolve(result);
    });
    socket.on('error', reject);
    socket.setTimeout(timeoutMs, () => { socket.destroy(new Error('handshake timed out')); });
  });
}

export interface HttpsAnswer extends Answer {
  readonly fingerprint: string;
  readonly reusedSocket: boolean;
}

export interface HttpsSendOptions {
  readonly ca: string;
  readonly servername: string;
  readonly path?: string;
  readonly method?: string;
  /** Default: `host: servername`. */
  readonly headers?: Record<string, string>;
  readonly agent?: Agent;
}

/** One HTTPS request to 127.0.0.1:port with SNI `servername`. */
export function httpsSend(port: number, options: HttpsSendOptions): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1', port, servername: options.servername, ca: options.ca, method: options.method ?? 'GET', path: options.path ?? '/',
      headers: { host: options.servername, ...options.headers }, agent: options.agent ?? false,
    }, (res) => {
      const socket = res.socket;
      const fingerprint = socket instanceof TLSSocket ? socket.getPeerCertificate().fingerprint256 : '';
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString(), fingerprint, reusedSocket: req.reusedSocket });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
