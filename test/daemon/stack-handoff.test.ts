import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { main } from '../../src/cli/main.js';
import { loadStack } from '../../src/config/load-stack.js';
import { getSecrets } from '../../src/config/secrets.js';
import { decodeStack, encodeStack } from '../../src/daemon/stack-handoff.js';
import { getStatePaths } from '../../src/daemon/state-paths.js';
import { captureIo } from '../helpers/capture-io.js';
import { loadText, writeFiles } from '../helpers/temp-stack.js';

const root = join(import.meta.dirname, '..', '..');

describe('stack hand-over to the daemon', () => {
  it('gives the daemon the same stack the CLI loaded, deep-frozen', () => {
    for (const example of ['demo', 'senex']) {
      const file = join(root, 'examples', example, 'berth.yml');
      const loaded = loadStack({ file, environment: undefined, processEnv: { SECRET_KEY: 'x' } });
      assert.ok(loaded.ok, example);
      const decoded = decodeStack(encodeStack(loaded.stack), file);
      assert.ok(decoded.ok);
      assert.deepEqual(decoded.stack, loaded.stack, example);
      assert.ok(Object.isFrozen(decoded.stack) && Object.isFrozen(Object.values(decoded.stack.services)[0]), 'frozen like a loaded stack');
    }
  });

  it('keeps late env references, env values and probes', () => {
    const loaded = loadText(`services:
  api: { command: node api.js, http: {}, env: { A: "1", B: "" }, ready: { http: { path: /health, status: [200, 204], body: ok } } }
  web: { command: node web.js, http: {}, depends_on: [api], env: { API: "\${services.api.url}/v1" } }
`);
    assert.ok(loaded.ok, JSON.stringify(!loaded.ok && loaded.diagnostics));
    const decoded = decodeStack(encodeStack(loaded.stack), loaded.stack.file);
    assert.ok(decoded.ok);
    assert.deepEqual(decoded.stack, loaded.stack);
  });

  it('carries which values are secret, so the daemon blanks the same ones', () => {
    const loaded = loadText('env_file: .env\nservices:\n  a: { command: node a.js, env: { URL: "postgres://u:${DB_PASS}@h/db" } }\n', { files: { '.env': 'DB_PASS=hunter2-secret\n' } });
    assert.ok(loaded.ok, JSON.stringify(!loaded.ok && loaded.diagnostics));
    const secrets = getSecrets(loaded.stack);
    assert.ok(secrets.values.has('hunter2-secret'));
    const decoded = decodeStack(encodeStack(loaded.stack), loaded.stack.file);
    assert.ok(decoded.ok);
    assert.deepEqual(getSecrets(decoded.stack), secrets);
  });

  it('refuses nothing, something else, and another file', () => {
    const loaded = loadText('services:\n  a: { command: node a.js }\n');
    assert.ok(loaded.ok);
    const text = encodeStack(loaded.stack);
    const reason = (result: ReturnType<typeof decodeStack>): string => (result.ok ? 'ok' : result.reason);
    assert.match(reason(decodeStack('', loaded.stack.file)), /no stack was handed over/);
    assert.match(reason(decodeStack('{"services":{}}', loaded.stack.file)), /format/);
    assert.match(reason(decodeStack('{', loaded.stack.file)), /not JSON/);
    assert.match(reason(decodeStack(text, '/elsewhere/berth.yml')), /not \/elsewhere\/berth.yml/);
  });

  it('up -d with a broken stack prints the diagnostics, and the daemon it started exits without a stack', async () => {
    const dir = writeFiles({ 'berth.yml': 'services:\n  a: { command: node a.js, restart: alway }\n' });
    const paths = getStatePaths(join(dir, 'berth.yml'));
    const io = captureIo(dir, { PATH: process.env.PATH ?? '' });
    try {
      assert.equal(await main(['up', '-d'], io), 2);
      assert.match(io.err(), /BERTH_E_SCHEMA_VALUE/);
      // The daemon was started before the stack was loaded; it reads an empty stdin and exits.
      const deadline = Date.now() + 20_000;
      while (!(existsSync(paths.daemonLog) && readFileSync(paths.daemonLog, 'utf8').includes('no stack was handed over')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.match(readFileSync(paths.daemonLog, 'utf8'), /no stack was handed over/);
      assert.equal(existsSync(paths.socket), false, 'no daemon listens');
    } finally {
      await main(['down'], captureIo(dir, { PATH: process.env.PATH ?? '' }));
    }
  });

  it('up -d naming an unknown service starts nothing', async () => {
    const dir = writeFiles({ 'berth.yml': 'services:\n  a: { command: node a.js }\n' });
    const paths = getStatePaths(join(dir, 'berth.yml'));
    const io = captureIo(dir, { PATH: process.env.PATH ?? '' });
    try {
      assert.equal(await main(['up', '-d', 'nope'], io), 2);
      assert.match(io.err(), /no service named nope \(services: a\)/);
      assert.equal(existsSync(paths.socket), false);
    } finally {
      await main(['down'], captureIo(dir, { PATH: process.env.PATH ?? '' }));
    }
  });
});
