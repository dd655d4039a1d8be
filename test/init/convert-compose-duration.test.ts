import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { convertComposeDuration } from '../../src/init/convert-compose-duration.js';

describe('convertComposeDuration', () => {
  it('turns Go-style compose durations into the shortest exact Berth duration', () => {
    const cases: [unknown, string][] = [['1m30s', '90s'], ['30s', '30s'], ['500ms', '500ms'], ['1.5s', '1500ms'], ['2h', '2h'], ['1h30m', '90m'], ['0s', '0ms'], [10, '10s'], ['100us', '1ms']];
    for (const [input, expected] of cases) assert.equal(convertComposeDuration(input), expected, `for ${String(input)}`);
  });

  it('rejects text that is not a duration', () => {
    for (const input of ['soon', '1m30', '', '5 s', null, {}]) assert.equal(convertComposeDuration(input), undefined, `for ${JSON.stringify(input)}`);
  });
});
