import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeRequestPath } from '../../src/edge/normalize-request-path.js';

describe('normalizeRequestPath', () => {
  const cases: ReadonlyArray<readonly [string, string]> = [
    ['/', '/'],
    ['/a/b?x=/../y', '/a/b?x=/../y'],
    ['/a/./b', '/a/b'],
    ['/a/../b', '/b'],
    ['/../../etc', '/etc'],
    ['/a/..', '/'],
    ['/a/b/..', '/a/'],
    ['/a/.', '/a/'],
    ['/a//b', '/a/b'],
    ['/%7Euser/%41', '/~user/A'],
    ['/%2e%2E/x', '/x'],
    ['/a%2Fb', '/a%2Fb'],
    ['/a%20b', '/a%20b'],
    ['/%252e%252e/x', '/%252e%252e/x'],
    ['/.env', '/.env'],
    ['/a/..b/c', '/a/..b/c'],
    ['/a/...', '/a/...'],
  ];
  for (const [input, expected] of cases) {
    it(`${input} → ${expected}`, () => {
      assert.equal(normalizeRequestPath(input), expected);
    });
  }
});
