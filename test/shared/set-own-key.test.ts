import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setOwnKey } from '../../src/shared/set-own-key.js';

describe('setOwnKey', () => {
  it('adds `__proto__` as an own key and leaves the prototype alone', () => {
    const target: Record<string, unknown> = {};
    setOwnKey(target, '__proto__', { polluted: true });
    assert.equal(Object.getPrototypeOf(target), Object.prototype);
    assert.deepEqual(Object.keys(target), ['__proto__']);
    assert.deepEqual(Object.getOwnPropertyDescriptor(target, '__proto__'), { value: { polluted: true }, enumerable: true, writable: true, configurable: true });
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('sets ordinary keys, `constructor` included, as plain writable properties', () => {
    const target: Record<string, unknown> = {};
    setOwnKey(target, 'constructor', 1);
    setOwnKey(target, 'web', 'x');
    assert.deepEqual(Object.entries(target), [['constructor', 1], ['web', 'x']]);
  });
});
