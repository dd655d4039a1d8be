import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLruMap } from '../../src/edge/lru-map.js';

describe('createLruMap', () => {
  it('never holds more than its capacity and drops the least recently used first', () => {
    const lru = createLruMap<string, number>(3);
    lru.set('a', 1);
    lru.set('b', 2);
    lru.set('c', 3);
    assert.equal(lru.get('a'), 1); // a is now the newest; b the oldest
    lru.set('d', 4);
    assert.equal(lru.size, 3);
    assert.equal(lru.get('b'), undefined);
    assert.deepEqual(['a', 'c', 'd'].map((k) => lru.get(k)), [1, 3, 4]);
  });

  it('replacing a key refreshes it without growing', () => {
    const lru = createLruMap<string, number>(2);
    lru.set('a', 1);
    lru.set('b', 2);
    lru.set('a', 10);
    lru.set('c', 3);
    assert.equal(lru.size, 2);
    assert.equal(lru.get('a'), 10);
    assert.equal(lru.get('b'), undefined);
    assert.equal(lru.delete('a'), true);
    assert.equal(lru.size, 1);
  });

  it('stays bounded under many distinct keys', () => {
    const lru = createLruMap<number, number>(100);
    for (let i = 0; i < 10_000; i += 1) lru.set(i, i);
    assert.equal(lru.size, 100);
    assert.equal(lru.get(9_899), undefined);
    assert.equal(lru.get(9_900), 9_900);
  });

  it('refuses a capacity that is not a positive integer', () => {
    assert.throws(() => createLruMap(0), RangeError);
    assert.throws(() => createLruMap(1.5), RangeError);
  });
});
