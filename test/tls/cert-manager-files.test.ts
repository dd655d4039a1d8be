import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SILENT_LOGGER } from '../../src/shared/logger.js';
import type { NewEvent } from '../../src/state/event-store.js';
import { CertManager, listAcmeHosts } from '../../src/tls/cert-manager.js';
import { loadText, writeFiles } from '../helpers/temp-stack.js';

/** A self-signed certificate for `host`, valid `days` days, written as NAME.pem / NAME.key in `dir`. */
function makeCert(dir: string, name: string, host: string, days: number): void {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', String(days), '-subj', `/CN=${host}`, '-addext', `subjectAltName=DNS:${host}`], { cwd: dir, stdio: 'pipe' });
}

describe('certificates from files', () => {
  it('serves them, shows issuer and expiry, warns once when one expires within 14 days, and names a file it cannot use', async () => {
    const dir = writeFiles({});
    makeCert(dir, 'soon', 'soon.test', 5);
    makeCert(dir, 'later', 'later.test', 200);
    const loaded = loadText(`edge:
  tls:
    certs:
      - { host: soon.test, cert: ${join(dir, 'soon.pem')}, key: ${join(dir, 'soon.key')} }
      - { host: later.test, cert: ${join(dir, 'later.pem')}, key: ${join(dir, 'later.key')} }
      - { host: gone.test, cert: ${join(dir, 'missing.pem')}, key: ${join(dir, 'missing.key')} }
services:
  web: { command: ./web, http: {}, routes: [{ host: soon.test }, { host: later.test }, { host: gone.test }] }
`);
    assert.ok(loaded.ok, JSON.stringify(!loaded.ok && loaded.diagnostics));
    assert.deepEqual(listAcmeHosts(loaded.stack), [], 'hosts with files are never asked of a CA');
    const events: NewEvent[] = [];
    const manager = new CertManager({
      stack: loaded.stack, stateDir: join(loaded.dir, '.berth'), logger: SILENT_LOGGER, record: (e) => events.push(e), env: {},
      serve: () => Promise.resolve(), answer: () => Promise.resolve(), checkEveryMs: 50,
    });
    try {
      assert.deepEqual(manager.edgeCerts().map((c) => c.hosts), [['soon.test'], ['later.test']]);
      manager.start();
      await new Promise((resolve) => setTimeout(resolve, 300));
      const status = manager.status();
      assert.deepEqual(status.map((s) => [s.host, s.source, s.state]), [['gone.test', 'file', 'failed'], ['later.test', 'file', 'valid'], ['soon.test', 'file', 'valid']]);
      assert.match(status[0]?.lastError ?? '', /cannot use .*missing\.pem/);
      const soon = status.find((s) => s.host === 'soon.test');
      if (soon === undefined) throw new Error('soon.test missing from status');
      assert.equal(soon.issuer, 'soon.test');
      assert.ok(Math.abs((soon.notAfter ?? 0) - (Date.now() + 5 * 86_400_000)) < 120_000);
      const expiring = events.filter((e) => e.type === 'cert_expiring');
      assert.deepEqual(expiring.map((e) => e.payload?.host), ['soon.test'], 'one warning, for the certificate that expires within 14 days, not repeated each check');
      assert.equal(expiring[0]?.payload?.days, 4);
      assert.equal(JSON.stringify(events).includes('PRIVATE KEY'), false, 'no key in events');
    } finally {
      manager.stop();
    }
  });

  it('a key that does not match its certificate is that host\'s failure, not part of the set the edge is sent', () => {
    const dir = writeFiles({});
    makeCert(dir, 'good', 'good.test', 90);
    makeCert(dir, 'other', 'other.test', 90);
    const loaded = loadText(`edge:
  tls:
    certs:
      - { host: good.test, cert: ${join(dir, 'good.pem')}, key: ${join(dir, 'good.key')} }
      - { host: mixed.test, cert: ${join(dir, 'good.pem')}, key: ${join(dir, 'other.key')} }
services:
  web: { command: ./web, http: {}, routes: [{ host: good.test }, { host: mixed.test }] }
`);
    assert.ok(loaded.ok, JSON.stringify(!loaded.ok && loaded.diagnostics));
    const manager = new CertManager({
      stack: loaded.stack, stateDir: join(loaded.dir, '.berth'), logger: SILENT_LOGGER, record: () => undefined, env: {},
      serve: () => Promise.resolve(), answer: () => Promise.resolve(), checkEveryMs: 50,
    });
    assert.deepEqual(manager.edgeCerts().map((c) => c.hosts), [['good.test']]);
    const mixed = manager.status().find((s) => s.host === 'mixed.test');
    assert.equal(mixed?.state, 'failed');
    assert.match(mixed.lastError ?? '', /cannot use .*good\.pem/);
    assert.equal((mixed.lastError ?? '').includes('PRIVATE KEY'), false);
  });
});
