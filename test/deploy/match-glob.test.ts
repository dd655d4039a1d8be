import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileIgnoreFile } from '../../src/deploy/ignore-rules.js';
import { compileGlob, compileGlobList } from '../../src/deploy/match-glob.js';

const PATHS = ['package.json', 'src/index.ts', 'src/lib/util.ts', 'src/lib/util.test.ts', 'web/src/app.tsx', 'web/dist/app.js', 'README.md', 'a.b/c.ts'];
const select = (pattern: string | readonly string[]): string[] => PATHS.filter(typeof pattern === 'string' ? compileGlob(pattern) : compileGlobList(pattern));

describe('globs for build inputs', () => {
  it('`*` stays within a folder, `**` crosses folders, `?` and classes match one character', () => {
    assert.deepEqual(select('*.json'), ['package.json']);
    assert.deepEqual(select('src/*.ts'), ['src/index.ts']);
    assert.deepEqual(select('src/**/*.ts'), ['src/index.ts', 'src/lib/util.ts', 'src/lib/util.test.ts']);
    assert.deepEqual(select('**/*.tsx'), ['web/src/app.tsx']);
    assert.deepEqual(select('**/src/**'), ['src/index.ts', 'src/lib/util.ts', 'src/lib/util.test.ts', 'web/src/app.tsx']);
    assert.deepEqual(select('src/lib/util.?s'), ['src/lib/util.ts']);
    assert.deepEqual(select('[Rp]*'), ['package.json', 'README.md']);
    assert.deepEqual(select('[!p]*.json'), []);
  });

  it('a plain name is a file or a whole folder; `./`, a leading or trailing `/` change nothing; dots are literal', () => {
    for (const pattern of ['web/src', './web/src', 'web/src/', '/web/src', 'web/src/**']) assert.deepEqual(select(pattern), ['web/src/app.tsx'], pattern);
    assert.deepEqual(select('README.md'), ['README.md']);
    assert.deepEqual(select('a.b'), ['a.b/c.ts']);
    assert.deepEqual(select('a?b/*'), ['a.b/c.ts']);
    assert.deepEqual(select('axb'), []);
  });

  it('a list applies in order and `!` takes back', () => {
    assert.deepEqual(select(['src/**', '!**/*.test.ts']), ['src/index.ts', 'src/lib/util.ts']);
    assert.deepEqual(select(['!src/index.ts', 'src']), ['src/index.ts', 'src/lib/util.ts', 'src/lib/util.test.ts']);
    assert.deepEqual(select([]), []);
  });
});

describe('.berthignore rules', () => {
  const ignored = (text: string): string[] => PATHS.filter(compileIgnoreFile(text).ignoresFile);

  it('a name matches at any depth, a slash anchors, a trailing slash means folders only', () => {
    assert.deepEqual(ignored('dist\n'), ['web/dist/app.js']);
    assert.deepEqual(ignored('/src\n'), ['src/index.ts', 'src/lib/util.ts', 'src/lib/util.test.ts']);
    assert.deepEqual(ignored('src/\n'), ['src/index.ts', 'src/lib/util.ts', 'src/lib/util.test.ts', 'web/src/app.tsx']);
    assert.deepEqual(ignored('README.md/\n'), []);
    assert.deepEqual(ignored('*.md\n# comment\n\n'), ['README.md']);
  });

  it('`!` takes a file back, but not out of an ignored folder (as in git)', () => {
    assert.deepEqual(ignored('*.ts\n!util.ts\n'), ['src/index.ts', 'src/lib/util.test.ts', 'a.b/c.ts']);
    assert.deepEqual(ignored('src/\n!src/index.ts\n'), ['src/index.ts', 'src/lib/util.ts', 'src/lib/util.test.ts', 'web/src/app.tsx']);
    assert.equal(compileIgnoreFile('web/\n').ignoresFolder('web/src'), true);
  });
});
