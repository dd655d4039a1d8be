import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createDiagnostic } from '../../src/errors/diagnostic.js';
import { formatDiagnostic, formatDiagnostics } from '../../src/errors/format-diagnostic.js';
import { loadText } from '../helpers/temp-stack.js';

const FILE = '/srv/shop/berth.yml';
const SOURCE = 'services:\n  web:\n    command: ./web\n    prot: 8080\n';
const sources = new Map([[FILE, SOURCE]]);
const unknownKey = createDiagnostic('BERTH_E_SCHEMA_UNKNOWN_KEY', {
  params: { key: '`prot`', suggestion: 'did you mean `port`?' },
  location: { file: FILE, line: 4, column: 5 },
  path: 'services.web.prot',
  expected: 'a known key of `services.web`',
  found: '`prot`',
});
// Built from parts so the file holds no escape character itself.
const ESC = String.fromCharCode(27);

describe('formatDiagnostic', () => {
  it('prints place, severity, code, message, field, expected, found, a code frame and the hint', () => {
    assert.equal(
      formatDiagnostic(unknownKey, { sources, displayPath: (file) => file.replace('/srv/shop/', '') }),
      [
        'berth.yml:4:5: error BERTH_E_SCHEMA_UNKNOWN_KEY: unknown key `prot`',
        '  field:    services.web.prot',
        '  expected: a known key of `services.web`',
        '  found:    `prot`',
        '    3 |     command: ./web',
        '  > 4 |     prot: 8080',
        '      |     ^',
        '  hint: did you mean `port`?',
      ].join('\n'),
    );
  });

  it('uses no colour escapes unless asked, and colours severity, code and hint when asked', () => {
    assert.equal(formatDiagnostic(unknownKey, { sources }).includes(ESC), false);
    assert.equal(formatDiagnostic(unknownKey, { sources, color: false }).includes(ESC), false);
    const coloured = formatDiagnostic(unknownKey, { sources, color: true });
    assert.ok(coloured.includes(`${ESC}[31;1merror${ESC}[0m`));
    assert.ok(coloured.includes(`${ESC}[36mhint${ESC}[0m`));
    const warning = createDiagnostic('BERTH_W_BIND_ALL_INTERFACES', { params: { service: 'web' } });
    assert.ok(formatDiagnostic(warning, { color: true }).includes(`${ESC}[33;1mwarning${ESC}[0m`));
  });

  it('frames the first line without a line before it, and the last line without an empty one after it', () => {
    const first = createDiagnostic('BERTH_E_YAML_NOT_MAPPING', { location: { file: FILE, line: 1, column: 1 } });
    assert.match(formatDiagnostic(first, { sources }), /\n {2}> 1 \| services:\n {6}\| \^\n {4}2 \| {3}web:\n/);
    const lines = formatDiagnostic(unknownKey, { sources }).split('\n');
    assert.equal(lines.some((line) => /^ {4}5 \|/.test(line)), false);
  });

  it('puts the caret under the column even after tabs', () => {
    const file = '/s/.env';
    const d = createDiagnostic('BERTH_E_ENV_FILE_SYNTAX', { params: { reason: 'x' }, location: { file, line: 1, column: 3 } });
    assert.match(formatDiagnostic(d, { sources: new Map([[file, '\t\tBAD\n']]) }), /\n {6}\| \t\t\^\n/);
  });

  it('has no frame without the source, and names the service when there is no place', () => {
    assert.equal(formatDiagnostic(unknownKey).includes(' | '), false);
    const d = createDiagnostic('BERTH_E_RECIPE_NO_DATA', { params: { service: 'db', recipe: 'postgres' }, service: 'db' });
    assert.match(formatDiagnostic(d), /^service db: error BERTH_E_RECIPE_NO_DATA: /);
    const bare = createDiagnostic('BERTH_E_USAGE', { params: { reason: 'no such command', command: 'check' } });
    assert.match(formatDiagnostic(bare), /^error BERTH_E_USAGE: no such command\n {2}hint: /);
  });
});

describe('formatDiagnostics', () => {
  it('separates blocks with a blank line and ends with a count', () => {
    const warning = createDiagnostic('BERTH_W_BIND_ALL_INTERFACES', { params: { service: 'web' } });
    const out = formatDiagnostics([unknownKey, warning]);
    assert.equal(out.split('\n\n').length, 3);
    assert.match(out, /\n\n1 error, 1 warning$/);
    assert.match(formatDiagnostics([]), /^0 errors, 0 warnings$/);
  });

  it('renders a real load failure with a frame from the loaded sources', () => {
    const result = loadText('services:\n  web:\n    command: ./web\n    restart: sometimes\n');
    assert.ok(!result.ok);
    const out = formatDiagnostics(result.diagnostics, { sources: result.context.sources });
    assert.match(out, /berth\.yml:4:14: error BERTH_E_SCHEMA_VALUE/);
    assert.match(out, /> 4 \| {5}restart: sometimes\n {6}\| {14}\^/);
  });
});
