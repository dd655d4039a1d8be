import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isSecretLiteral, redactSecrets } from '../../src/init/secret-values.js';

describe('isSecretLiteral', () => {
  it('flags secret keys with literal values and credential shapes under any key', () => {
    assert.equal(isSecretLiteral('POSTGRES_PASSWORD', 'pw'), true);
    assert.equal(isSecretLiteral('URL', 'redis://u:pw@cache:6379'), true);
    assert.equal(isSecretLiteral('NOTE', 'AKIAABCDEFGHIJKLMNOP'), true);
  });

  it('does not flag references, empty values or ordinary settings', () => {
    assert.equal(isSecretLiteral('POSTGRES_PASSWORD', '${POSTGRES_PASSWORD}'), false);
    assert.equal(isSecretLiteral('DATABASE_URL', 'postgres://app:${PW}@db/app'), false);
    assert.equal(isSecretLiteral('API_TOKEN', ''), false);
    assert.equal(isSecretLiteral('LOG_LEVEL', 'info'), false);
  });
});

describe('redactSecrets', () => {
  it('blanks secret leaves in maps and KEY=value lists', () => {
    assert.deepEqual(redactSecrets({ labels: ['auth.password=hunter2', 'tier=web'], token: 'abc' }), { labels: ['auth.password=<redacted>', 'tier=web'], token: '<redacted>' });
  });
});
