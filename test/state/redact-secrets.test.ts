import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { collectSecretValues, createRedactor } from '../../src/state/redact-secrets.js';
import { loadText } from '../helpers/temp-stack.js';

describe('redact secrets', () => {
  it('blanks secrets found only in a job\'s env: secret-looking keys and URL passwords', () => {
    const loaded = loadText(`services:
  idle: { command: sleep 60 }
jobs:
  sync: { command: ./sync.sh, every: 1h, env: { API_TOKEN: "tok-job-SECRET-1", TARGET: "https://sync:pw-job-SECRET-2@example.com/x", LEVEL: info } }
`);
    assert.ok(loaded.ok, JSON.stringify(loaded.ok ? null : loaded.diagnostics));
    const secrets = collectSecretValues(loaded.stack);
    assert.ok(secrets.includes('tok-job-SECRET-1') && secrets.includes('pw-job-SECRET-2'), JSON.stringify(secrets));
    assert.ok(!secrets.includes('info'), 'a value under an ordinary key is not a secret');
    const redact = createRedactor(loaded.stack);
    // The token alone, outside any URL: only the job's env says it is a secret.
    const text = redact('sync failed: token tok-job-SECRET-1 refused, password pw-job-SECRET-2 too');
    assert.ok(!text.includes('SECRET'), text);
  });
});
