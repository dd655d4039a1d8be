import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { request } from 'node:https';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { main } from '../../src/cli/main.js';
import type { CertStatus } from '../../src/tls/cert-manager.js';
import { allocatePort } from '../../src/supervisor/allocate-port.js';
import { captureIo } from '../helpers/capture-io.js';
import { writeFiles } from '../helpers/temp-stack.js';
import { acmeStackYaml, pebbleEnv, startPebble, type Pebble } from '../tls/pebble-fixture.js';

let pebble: Pebble;
let httpPort: number;
let httpsPort: number;

before(async () => {
  [httpPort, httpsPort] = [await allocatePort(), await allocatePort()];
  pebble = await startPebble(httpPort);
});
after(() => {
  pebble.stop();
});

function get(path: string, host: string, ca: string): Promise<{ status: number; body: string; hsts: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: httpsPort, path, servername: host, headers: { host }, ca }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body, hsts: res.headers['strict-transport-security'] });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('daemon with TLS from an ACME CA', () => {
  it('obtains a certificate at up, serves the app over HTTPS with HSTS, redirects HTTP, and shows the certificate in status and certs', async () => {
    const dir = writeFiles({ 'berth.yml': acmeStackYaml(pebble, httpPort, httpsPort, 'hsts: true') });
    // The daemon trusts Pebble's listener the way a user would trust a private CA: NODE_EXTRA_CA_CERTS.
    const env = pebbleEnv(pebble);
    try {
      const up = captureIo(dir, env);
      assert.equal(await main(['up', '-d'], up), 0, up.err());
      const root = await pebble.issuerRoot();
      const deadline = Date.now() + 60_000;
      let certs: CertStatus[] = [];
      while (Date.now() < deadline) {
        const io = captureIo(dir, env);
        assert.equal(await main(['certs', '--json'], io), 0, io.err());
        certs = JSON.parse(io.out()) as CertStatus[];
        if (certs[0]?.state === 'valid') break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      assert.equal(certs[0]?.host, 'app.test', JSON.stringify(certs));
      assert.equal(certs[0].state, 'valid');
      assert.match(certs[0].issuer ?? '', /Pebble/);
      const response = await get('/hello', 'app.test', root);
      assert.deepEqual([response.status, response.body], [200, 'web.1 /hello']);
      assert.equal(response.hsts, 'max-age=31536000');
      // node:http, not fetch: fetch does not let a caller set Host.
      const plain = await new Promise<{ status: number; location: string | undefined }>((resolve, reject) => {
        httpRequest({ host: '127.0.0.1', port: httpPort, path: '/hello', headers: { host: 'app.test' } }, (res) => {
          res.resume();
          resolve({ status: res.statusCode ?? 0, location: res.headers.location });
        }).on('error', reject).end();
      });
      assert.deepEqual(plain, { status: 308, location: `https://app.test:${String(httpsPort)}/hello` });
      const status = captureIo(dir, env);
      assert.equal(await main(['status'], status), 0);
      assert.match(status.out(), /app\.test +valid +acme +Pebble Intermediate CA[^\n]* +\d{4}-\d\d-\d\d \d\d:\d\d \(\d+ d\)/);
      const unknown = captureIo(dir, env);
      assert.equal(await main(['certs', 'renew', 'nope.test'], unknown), 2);
      assert.match(unknown.err(), /BERTH_E_CERT_UNKNOWN: Berth does not obtain a certificate for nope\.test/);

      // A deploy that adds a route host: the running daemon obtains its certificate, no restart needed.
      const file = join(dir, 'berth.yml');
      writeFileSync(file, readFileSync(file, 'utf8').replace('routes: [{ host: app.test }]', 'routes: [{ host: app.test }, { host: new.test }]'));
      const deploy = captureIo(dir, env);
      assert.equal(await main(['deploy'], deploy), 0, `${deploy.out()}${deploy.err()}`);
      const until = Date.now() + 60_000;
      let added: CertStatus | undefined;
      while (Date.now() < until) {
        const io = captureIo(dir, env);
        assert.equal(await main(['certs', '--json'], io), 0, io.err());
        added = (JSON.parse(io.out()) as CertStatus[]).find((c) => c.host === 'new.test');
        if (added?.state === 'valid') break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      assert.equal(added?.state, 'valid', JSON.stringify(added));
      const onNewHost = await get('/added', 'new.test', root);
      assert.equal(onNewHost.status, 200);
      assert.match(onNewHost.body, /^web\.\d+ \/added$/, 'the blue-green switch numbers the new instance on');
    } finally {
      await main(['down'], captureIo(dir, env));
    }
  });
});
