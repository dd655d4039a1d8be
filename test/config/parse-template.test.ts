import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasTemplate, parseTemplate, type TemplatePart } from '../../src/config/parse-template.js';

function parts(input: string): readonly TemplatePart[] {
  const result = parseTemplate(input);
  if (!result.ok) throw new Error(`expected ${input} to parse, failed at ${String(result.offset)}`);
  return result.parts;
}

function failure(input: string): { offset: number; text: string } {
  const result = parseTemplate(input);
  if (result.ok) throw new Error(`expected ${input} to fail, got ${JSON.stringify(result.parts)}`);
  return { offset: result.offset, text: result.text };
}

describe('parseTemplate', () => {
  it('splits text, variables and service references, with each offset into the input', () => {
    assert.deepEqual(parts('postgres://${DB_USER}@${services.db.host}:5432'), [
      { kind: 'text', text: 'postgres://' },
      { kind: 'var', name: 'DB_USER', op: '', arg: [{ kind: 'text', text: '' }], argText: '', offset: 11, source: '${DB_USER}' },
      { kind: 'text', text: '@' },
      { kind: 'ref', service: 'db', attr: 'host', offset: 22, source: '${services.db.host}' },
      { kind: 'text', text: ':5432' },
    ]);
  });

  it('reads every operator and keeps its argument', () => {
    const ops = ['${A:-x}', '${A-x}', '${A:?x}', '${A?x}'].map((input) => {
      const [part] = parts(input);
      return part?.kind === 'var' ? `${part.op}|${part.argText}` : 'not a var';
    });
    assert.deepEqual(ops, [':-|x', '-|x', ':?|x', '?|x']);
  });

  it('turns `$$` into one literal `$` and leaves a bare `$NAME` for the shell', () => {
    assert.deepEqual(parts('echo $$HOME $USER $${NOT} 5$'), [{ kind: 'text', text: 'echo $HOME $USER ${NOT} 5$' }]);
  });

  it('parses nested defaults, with nested offsets counted from the start of the whole string', () => {
    const [, outer] = parts('x ${A:-${B:-${services.api.url}}}');
    assert.equal(outer?.kind, 'var');
    assert.equal(outer.offset, 2);
    const [inner] = outer.arg;
    assert.equal(inner?.kind, 'var');
    assert.equal(inner.name, 'B');
    assert.equal(inner.offset, 7);
    assert.deepEqual(inner.arg, [{ kind: 'ref', service: 'api', attr: 'url', offset: 12, source: '${services.api.url}' }]);
  });

  it('keeps the message of `${VAR:?message}` as text, not as a template', () => {
    const [part] = parts('${TOKEN:?set ${TOKEN} in .env}');
    assert.equal(part?.kind === 'var' ? part.argText : undefined, 'set ${TOKEN} in .env');
    assert.deepEqual(part?.kind === 'var' ? part.arg : undefined, [{ kind: 'text', text: 'set ${TOKEN} in .env' }]);
  });

  it('reports where a malformed interpolation starts', () => {
    assert.deepEqual(failure('echo ${FOO'), { offset: 5, text: '${FOO' });
    assert.deepEqual(failure('a ${1BAD} b'), { offset: 2, text: '${1BAD}' });
    assert.deepEqual(failure('${FOO:+alt}'), { offset: 0, text: '${FOO:+alt}' });
    assert.deepEqual(failure('${}'), { offset: 0, text: '${}' });
  });

  it('reports a malformed nested default at its own offset', () => {
    assert.deepEqual(failure('url=${A:-${9}}'), { offset: 9, text: '${9}' });
  });

  it('refuses nesting deeper than eight levels instead of recursing without end', () => {
    const deep = (levels: number): string => (levels === 0 ? 'x' : `\${V${String(levels)}:-${deep(levels - 1)}}`);
    assert.equal(parseTemplate(deep(8)).ok, true);
    assert.equal(parseTemplate(deep(12)).ok, false);
  });

  it('hasTemplate is true only when there is a `$`', () => {
    assert.equal(hasTemplate('plain text'), false);
    assert.equal(hasTemplate('cost: $5'), true);
  });
});
