// `berth certs renew HOST` when the CA will not issue: Pebble's HTTP-01 validation goes to a port where nothing
// answers (not the edge's), so every order fails; the CLI says so with BERTH_E_CERT_FAILED, the CA's reason and
// the next retry, and the edge keeps serving.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { main } from '../../src/cli/main.js';
import type { CertStatus } from '../../src/tls/cert-manager.js';
import { allocatePort } from '../../src/supervisor/allocate-port.js';
import { captureIo } from '../helpers/capture-io.js';
import { writeFiles } from '../helpers/temp-stack.js';
import { acmeStackYaml, pebbleEnv, startPebble, type Pebble } from '../tls/pebble-fixture.js';

let pebble: Pebble;

before(async () => {
  // Where Pebble sends its HTTP-01 validations: a free port nobody listens on.
  pebble = await startPebble(await allocatePort());
});
after(() => {
  pebble.stop();
});

describe('certificate errors from the daemon', { timeout: 180_000 }, () => {
  it('reports a renewal the CA refuses with BERTH_E_CERT_FAILED, the reason and the next retry', async () => {
    const [httpPort, httpsPort] = [await allocatePort(), await allocatePort()];
    const dir = writeFiles({ 'berth.yml': acmeStackYaml(pebble, httpPort, httpsPort) });
    const env = pebbleEnv(pebble);
    try {
      const up = captureIo(dir, env);
      assert.equal(await main(['up', '-d'], up), 0, up.err());
      const renew = captureIo(dir, env);
      assert.equal(await main(['certs', 'renew', 'app.test'], renew), 1, renew.out() + renew.err());
      const expected = /^berth certs renew: BERTH_E_CERT_FAILED: the CA did not issue a certificate for app\.test: (.+)\n {2}hint: the edge keeps serving the current certificate, if any; Berth retries with backoff \(next at (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)\); for HTTP-01 the host must reach this server on port 80/;
      assert.match(renew.err(), expected);
      const [, reason = '', retry = ''] = expected.exec(renew.err()) ?? [];
      assert.match(reason, /\/\.well-known\/acme-challenge\/.*connection refused/, 'the CA\'s own reason: its HTTP-01 validation found nobody');
      assert.ok(Date.parse(retry) > Date.now() - 1000, `the next attempt is ahead: ${retry}`);
      const certs = captureIo(dir, env);
      assert.equal(await main(['certs', '--json'], certs), 0, certs.err());
      const [cert] = JSON.parse(certs.out()) as CertStatus[];
      assert.equal(cert?.host, 'app.test');
      assert.notEqual(cert.state, 'valid');
      assert.ok(cert.failures > 0, JSON.stringify(cert));
      assert.equal(cert.lastError, reason, 'the CLI prints the reason the daemon recorded');
      // The services behind the edge keep running.
      const status = captureIo(dir, env);
      assert.equal(await main(['status', '--json'], status), 0, status.err());
      assert.deepEqual((JSON.parse(status.out()) as { instances: { service: string; phase: string }[] }).instances.map((i) => [i.service, i.phase]), [['web', 'running']]);
    } finally {
      await main(['down'], captureIo(dir, env));
    }
  });
});
