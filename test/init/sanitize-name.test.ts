import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sanitizeName } from '../../src/init/sanitize-name.js';

describe('sanitizeName', () => {
  it('makes Berth names from npm, compose and Procfile names', () => {
    assert.equal(sanitizeName('@acme/Web App'), 'web-app');
    assert.equal(sanitizeName('arb-bot'), 'arb-bot');
    assert.equal(sanitizeName('Clock.Main'), 'clock-main');
    assert.equal(sanitizeName('2fast_api'), 'fast_api');
    assert.equal(sanitizeName('x'.repeat(80))?.length, 63);
  });

  it('gives undefined when nothing usable is left', () => {
    assert.equal(sanitizeName('123'), undefined);
    assert.equal(sanitizeName('@scope/'), undefined);
  });
});
