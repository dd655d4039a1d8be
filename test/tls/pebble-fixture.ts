// Pebble (the ACME test CA) and pebble-challtestsrv (its mock DNS), from Debian's `pebble` package, started on
// loopback on free ports with a listener certificate made here by openssl. Pebble's defaults stay on (5 % of
// nonces rejected, authorization reuse) except the random validation sleep (PEBBLE_VA_NOSLEEP), so tests are quick.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allocatePort } from '../../src/supervisor/allocate-port.js';

export interface Pebble {
  readonly directoryUrl: string;
  /** PEM of the CA that signed Pebble's own HTTPS listener (what NODE_EXTRA_CA_CERTS must hold). */
  readonly listenerCaFile: string;
  readonly listenerCa: string;
  /** `127.0.0.1:PORT` of the mock DNS. */
  readonly dnsServer: string;
  /** challtestsrv's management URL (set-txt, add-a, ...). */
  readonly challtestsrv: string;
  /** The root that signs the certificates Pebble issues. */
  readonly issuerRoot: () => Promise<string>;
  /** Points a host at another address in the mock DNS. */
  readonly addA: (host: string, address: string) => Promise<void>;
  readonly stop: () => void;
}

function requireBinary(path: string, pkg: string): void {
  if (!existsSync(path)) throw new Error(`${path} is missing: install the Debian package \`${pkg}\` (apt-get install -y ${pkg})`);
}

function makeListenerCert(dir: string): { ca: string; cert: string; key: string } {
  const run = (args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  };
  run(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=berth test pebble listener CA']);
  run(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'listener.key', '-out', 'listener.csr', '-subj', '/CN=127.0.0.1']);
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  run(['x509', '-req', '-in', 'listener.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'listener.pem', '-days', '2', '-extfile', 'san.ext']);
  return { ca: join(dir, 'ca.pem'), cert: join(dir, 'listener.pem'), key: join(dir, 'listener.key') };
}

async function getText(url: string, ca: string, method = 'GET', body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent: new Agent({ ca }), headers: body === undefined ? {} : { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, text });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function postPlain(url: string, body: unknown): Promise<void> {
  const response = await fetch(url, { method: 'POST', body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`${url}: ${String(response.status)} ${await response.text()}`);
}

/** Starts both; `httpPort` is where Pebble sends HTTP-01 validations (the edge's HTTP port). */
export async function startPebble(httpPort: number): Promise<Pebble> {
  requireBinary('/usr/bin/pebble', 'pebble');
  requireBinary('/usr/bin/pebble-challtestsrv', 'pebble');
  const dir = mkdtempSync(join(tmpdir(), 'berth-pebble-'));
  const listener = makeListenerCert(dir);
  const { readFileSync } = await import('node:fs');
  const listenerCa = readFileSync(listener.ca, 'utf8');
  const [acmePort, mgmtPort, dnsPort, challMgmtPort, tlsPort] = await Promise.all([allocatePort(), allocatePort(), allocatePort(), allocatePort(), allocatePort()]);
  writeFileSync(join(dir, 'pebble.json'), JSON.stringify({ pebble: {
    listenAddress: `127.0.0.1:${String(acmePort)}`, managementListenAddress: `127.0.0.1:${String(mgmtPort)}`,
    certificate: listener.cert, privateKey: listener.key, httpPort, tlsPort, ocspResponderURL: '', externalAccountBindingRequired: false,
  } }));
  const children: ChildProcess[] = [];
  const start = (program: string, args: string[], env: NodeJS.ProcessEnv): void => {
    const child = spawn(program, args, { cwd: dir, env, detached: true, stdio: ['ignore', 'ignore', 'ignore'] });
    children.push(child);
  };
  const stop = (): void => {
    for (const child of children) {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  start('/usr/bin/pebble-challtestsrv', ['-dns01', `127.0.0.1:${String(dnsPort)}`, '-http01', '', '-https01', '', '-tlsalpn01', '', '-management', `127.0.0.1:${String(challMgmtPort)}`, '-defaultIPv4', '127.0.0.1', '-defaultIPv6', ''], { PATH: process.env.PATH });
  start('/usr/bin/pebble', ['-config', join(dir, 'pebble.json'), '-dnsserver', `127.0.0.1:${String(dnsPort)}`], { PATH: process.env.PATH, PEBBLE_VA_NOSLEEP: '1' });
  const directoryUrl = `https://127.0.0.1:${String(acmePort)}/dir`;
  const challtestsrv = `http://127.0.0.1:${String(challMgmtPort)}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      const dirOk = (await getText(directoryUrl, listenerCa)).status === 200;
      const challOk = (await fetch(`${challtestsrv}/`).catch(() => null)) !== null;
      if (dirOk && challOk) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      stop();
      throw new Error('pebble or pebble-challtestsrv did not start within 20 s');
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    directoryUrl, listenerCaFile: listener.ca, listenerCa, dnsServer: `127.0.0.1:${String(dnsPort)}`, challtestsrv,
    issuerRoot: async () => (await getText(`https://127.0.0.1:${String(mgmtPort)}/roots/0`, listenerCa)).text,
    addA: (host, address) => postPlain(`${challtestsrv}/add-a`, { host, addresses: [address] }),
    stop,
  };
}

/**
 * A stack file for daemon tests against `pebble`: an edge on `httpPort` / `httpsPort` with ACME from Pebble (`tls`:
 * more keys of `edge.tls`, e.g. `hsts: true`) and one routed service `web` (test/fixtures/echo-instance.mjs) for
 * app.test.
 */
export function acmeStackYaml(pebble: Pebble, httpPort: number, httpsPort: number, tls = ''): string {
  const echo = join(import.meta.dirname, '..', 'fixtures', 'echo-instance.mjs');
  return `edge:
  listen: { http: ${String(httpPort)}, https: ${String(httpsPort)}, address: 127.0.0.1 }
  workers: 1
  tls: { acme: { email: ops@example.com, directory: "${pebble.directoryUrl}" }${tls === '' ? '' : `, ${tls}`} }
services:
  web: { command: ${process.execPath} ${echo}, http: {}, ready: { http: /health }, routes: [{ host: app.test }] }
`;
}

/** The environment a daemon needs to reach `pebble`: its listener's CA trusted the way a user would trust a private CA. */
export function pebbleEnv(pebble: Pebble): Record<string, string> {
  return { PATH: process.env.PATH ?? '', NODE_EXTRA_CA_CERTS: pebble.listenerCaFile };
}
