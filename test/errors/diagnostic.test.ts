import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errorCatalog, getCatalogEntry } from '../../src/errors/catalog.js';
import { BerthError, createDiagnostic, fillTemplate, sortDiagnostics } from '../../src/errors/diagnostic.js';

describe('fillTemplate', () => {
  it('fills every placeholder, numbers included', () => {
    assert.equal(fillTemplate('port {port} is used by both {first} and {second}', { port: 80, first: 'a', second: 'b' }), 'port 80 is used by both a and b');
  });

  it('leaves an unknown placeholder visible instead of printing "undefined"', () => {
    assert.equal(fillTemplate('service {service} waits for {target}', { service: 'web' }), 'service web waits for {target}');
  });

  it('fills the inner placeholder of `${{variable}}` and keeps the braces around it', () => {
    assert.equal(fillTemplate('write `${{variable}}` here', { variable: 'DB_PASSWORD' }), 'write `${DB_PASSWORD}` here');
  });

  it('inserts values as they are: no second pass, no `$&` replacement patterns', () => {
    assert.equal(fillTemplate('{a} {b}', { a: '{b}', b: '$&$1' }), '{b} $&$1');
  });
});

describe('createDiagnostic', () => {
  it('takes severity, message and hint from the catalog and keeps what it is given', () => {
    const location = { file: '/s/berth.yml', line: 3, column: 5 };
    const d = createDiagnostic('BERTH_E_PORT_CONFLICT', { params: { port: 3000, first: 'api', second: 'admin' }, location, path: 'services.admin.port', service: 'admin', expected: 'a free port', found: '3000' });
    assert.deepEqual(d, {
      code: 'BERTH_E_PORT_CONFLICT',
      severity: 'error',
      message: 'port 3000 is used by both api and admin',
      hint: errorCatalog.BERTH_E_PORT_CONFLICT.hint,
      location,
      path: 'services.admin.port',
      service: 'admin',
      expected: 'a free port',
      found: '3000',
    });
  });

  it('leaves out what it is not given, and an empty path', () => {
    const d = createDiagnostic('BERTH_W_BIND_ALL_INTERFACES', { params: { service: 'web' }, path: '' });
    assert.deepEqual(Object.keys(d).sort(), ['code', 'hint', 'message', 'severity']);
    assert.equal(d.severity, 'warning');
  });

  it('getCatalogEntry returns the row of the table', () => {
    assert.equal(getCatalogEntry('BERTH_E_VAR_UNSET'), errorCatalog.BERTH_E_VAR_UNSET);
  });
});

describe('sortDiagnostics', () => {
  it('orders by file, line and column, with unlocated ones last, without changing its input', () => {
    const at = (file: string, line: number, column: number) => createDiagnostic('BERTH_E_INTERNAL', { params: { reason: `${file}:${String(line)}:${String(column)}` }, location: { file, line, column } });
    const loose = createDiagnostic('BERTH_E_INTERNAL', { params: { reason: 'none' } });
    const input = [loose, at('/b.yml', 1, 1), at('/a.yml', 9, 1), at('/a.yml', 2, 7), at('/a.yml', 2, 3)];
    const sorted = sortDiagnostics(input);
    assert.deepEqual(sorted.map((d) => d.message.replace('unexpected internal error: ', '')), ['/a.yml:2:3', '/a.yml:2:7', '/a.yml:9:1', '/b.yml:1:1', 'none']);
    assert.equal(input[0], loose);
  });
});

describe('BerthError', () => {
  it('carries its diagnostics and names the first in its message', () => {
    const d = createDiagnostic('BERTH_E_FILE_NOT_FOUND', { params: { file: 'berth.yml' } });
    const error = new BerthError([d]);
    assert.ok(error instanceof Error);
    assert.equal(error.name, 'BerthError');
    assert.equal(error.message, 'BERTH_E_FILE_NOT_FOUND: stack file berth.yml does not exist');
    assert.deepEqual(error.diagnostics, [d]);
    assert.equal(new BerthError([]).message, 'Berth error');
  });
});
