import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { checkProbeOnce } from '../../src/health/check-probe-once.js';
import { findFreePort, makeProbe, makeTarget } from './probe-helpers.js';

describe('tcp check against a real port', () => {
  it('fails while the port is closed, passes once it is open, and closes its connection', async () => {
    const port = await findFreePort();
    const probe = makeProbe({ kind: 'tcp', tcp: { port: null }, implicit: true });
    const closed = await checkProbeOnce(probe, makeTarget({ port }));
    assert.equal(closed.ok, false);
    assert.match(closed.output, /ECONNREFUSED/);

    let open = 0;
    const server = createServer((socket) => {
      open++;
      socket.on('close', () => open--);
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    try {
      const result = await checkProbeOnce(probe, makeTarget({ port }));
      assert.equal(result.ok, true);
      assert.equal(result.output, `connected to 127.0.0.1:${String(port)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(open, 0, 'the probe closed its connection');
    } finally {
      server.close();
    }
  });

  it('probes the port the probe names over the service port, and fails without any port', async () => {
    const server = createServer((socket) => socket.destroy());
    const port = await findFreePort();
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    try {
      assert.equal((await checkProbeOnce(makeProbe({ kind: 'tcp', tcp: { port } }), makeTarget({ port: 1 }))).ok, true);
      assert.match((await checkProbeOnce(makeProbe({ kind: 'tcp', tcp: { port: null } }), makeTarget({ port: null }))).output, /no port/);
    } finally {
      server.close();
    }
  });
});
