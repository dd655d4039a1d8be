import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { quoteRedisValue, renderRedisConfig } from '../../src/recipes/redis-config.js';

describe('renderRedisConfig', () => {
  it('listens on 127.0.0.1 at the port, keeps data in `dir` with AOF on, and has no password unless given', () => {
    const text = renderRedisConfig({ service: 'cache', port: 6400, dataDir: '/srv/app/data/cache', appendfsync: 'everysec', password: null });
    const lines = text.trim().split('\n').filter((line) => !line.startsWith('#'));
    assert.deepEqual(lines, ['port 6400', 'bind 127.0.0.1', 'protected-mode yes', 'daemonize no', 'logfile ""', 'dir "/srv/app/data/cache"', 'appendonly yes', 'appendfsync everysec']);
  });

  it('writes requirepass and the fsync policy asked for', () => {
    const text = renderRedisConfig({ service: 'cache', port: 6379, dataDir: '/d', appendfsync: 'always', password: 's3cret' });
    assert.match(text, /^appendfsync always$/m);
    assert.match(text, /^requirepass "s3cret"$/m);
  });
});

describe('quoteRedisValue', () => {
  it('escapes quotes, backslashes, control and non-ASCII characters so redis reads the same bytes back', () => {
    assert.equal(quoteRedisValue('a b'), '"a b"');
    assert.equal(quoteRedisValue('say "hi" \\o/'), '"say \\"hi\\" \\\\o/"');
    assert.equal(quoteRedisValue('line\nbreak'), '"line\\x0abreak"');
    assert.equal(quoteRedisValue('é'), '"\\xc3\\xa9"');
  });
});
