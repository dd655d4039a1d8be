import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { convertComposeVariables } from '../../src/init/convert-compose-variables.js';

describe('convertComposeVariables', () => {
  it('braces bare $NAME and keeps $$ and ${...} as they are', () => {
    assert.equal(convertComposeVariables('$HOST:$PORT/x'), '${HOST}:${PORT}/x');
    assert.equal(convertComposeVariables('$$HOME ${A:-b} $1 $'), '$$HOME ${A:-b} $1 $');
  });
});
