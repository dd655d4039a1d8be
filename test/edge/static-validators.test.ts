import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contentTypeFor } from '../../src/edge/content-types.js';
import { decodeStaticPath, hasDotSegment } from '../../src/edge/resolve-static-file.js';
import { acceptsEncoding, isNotModified, makeWeakEtag } from '../../src/edge/static-validators.js';

describe('acceptsEncoding', () => {
  const cases: ReadonlyArray<readonly [string | undefined, string, boolean]> = [
    [undefined, 'br', false],
    ['gzip, deflate, br', 'br', true],
    ['gzip', 'br', false],
    ['BR;q=0.5', 'br', true],
    ['br;q=0', 'br', false],
    ['br ; q=0.0, gzip', 'br', false],
    ['*', 'gzip', true],
    ['*;q=0', 'gzip', false],
    ['*, br;q=0', 'br', false],
    ['br;q=abc', 'br', false],
    ['', 'gzip', false],
  ];
  for (const [header, coding, expected] of cases) {
    it(`${String(header)} ${expected ? 'allows' : 'refuses'} ${coding}`, () => {
      assert.equal(acceptsEncoding(header, coding), expected);
    });
  }
});

describe('isNotModified', () => {
  const mtime = Date.parse('2024-03-01T12:00:00.900Z');
  const etag = makeWeakEtag(120, mtime);

  it('makes a weak tag that changes with size and time', () => {
    assert.match(etag, /^W\/"78-[0-9a-f]+"$/);
    assert.notEqual(makeWeakEtag(121, mtime), etag);
    assert.notEqual(makeWeakEtag(120, mtime + 1000), etag);
  });

  it('compares If-None-Match weakly, over a list, with *', () => {
    assert.equal(isNotModified({ 'if-none-match': etag }, etag, mtime), true);
    assert.equal(isNotModified({ 'if-none-match': etag.slice(2) }, etag, mtime), true);
    assert.equal(isNotModified({ 'if-none-match': `W/"a", ${etag}` }, etag, mtime), true);
    assert.equal(isNotModified({ 'if-none-match': '*' }, etag, mtime), true);
    assert.equal(isNotModified({ 'if-none-match': 'W/"a"' }, etag, mtime), false);
  });

  it('compares If-Modified-Since at whole seconds', () => {
    assert.equal(isNotModified({ 'if-modified-since': 'Fri, 01 Mar 2024 12:00:00 GMT' }, etag, mtime), true);
    assert.equal(isNotModified({ 'if-modified-since': 'Fri, 01 Mar 2024 11:59:59 GMT' }, etag, mtime), false);
    assert.equal(isNotModified({ 'if-modified-since': 'garbage' }, etag, mtime), false);
    assert.equal(isNotModified({}, etag, mtime), false);
  });
});

describe('static paths', () => {
  it('decodes once and refuses malformed escapes, NUL and backslashes', () => {
    assert.equal(decodeStaticPath('/a%20b.txt?x=%zz'), '/a b.txt');
    assert.equal(decodeStaticPath('/%252e%252e/x'), '/%2e%2e/x');
    assert.equal(decodeStaticPath('/%E0%A4%A'), null);
    assert.equal(decodeStaticPath('/a%00b'), null);
    assert.equal(decodeStaticPath('/a%5cb'), null);
    assert.equal(decodeStaticPath('x'), null);
  });

  it('finds dot segments but lets .well-known through', () => {
    assert.equal(hasDotSegment('/a/../b'), true);
    assert.equal(hasDotSegment('/.git/config'), true);
    assert.equal(hasDotSegment('/.well-known/acme-challenge/x'), false);
    assert.equal(hasDotSegment('/a.b/c.js'), false);
  });

  it('types files by extension, case-insensitively', () => {
    assert.equal(contentTypeFor('/x/INDEX.HTML'), 'text/html; charset=utf-8');
    assert.equal(contentTypeFor('a.svg'), 'image/svg+xml');
    assert.equal(contentTypeFor('Makefile'), 'application/octet-stream');
  });
});
