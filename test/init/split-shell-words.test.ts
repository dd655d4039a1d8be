import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { splitShellWords } from '../../src/init/split-shell-words.js';

describe('splitShellWords', () => {
  it('splits on blanks and honours quotes and backslashes', () => {
    assert.deepEqual(splitShellWords(`node  "my app.js" --name 'a b' c\\ d ""`), ['node', 'my app.js', '--name', 'a b', 'c d', '']);
  });

  it('gives up on shell syntax it cannot represent as words', () => {
    assert.equal(splitShellWords('a && b'), undefined);
    assert.equal(splitShellWords('echo $(date)'), undefined);
    assert.equal(splitShellWords('"unclosed'), undefined);
  });
});
