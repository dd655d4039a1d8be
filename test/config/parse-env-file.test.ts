import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { maskEnvFile, parseEnvFile } from '../../src/config/parse-env-file.js';
import { loadText, only, position } from '../helpers/temp-stack.js';

const FILE = '/stack/.env';
const valuesOf = (text: string) => Object.fromEntries(parseEnvFile(text, FILE).values);

describe('parseEnvFile', () => {
  it('reads NAME=value lines, `export`, comments, blank lines and spaces around `=`', () => {
    const text = ['# database', 'DB_HOST=127.0.0.1', '', 'export API_KEY=abc', 'SPACED = padded  ', 'EMPTY=', '  INDENTED=yes'].join('\n');
    assert.deepEqual(valuesOf(text), { DB_HOST: '127.0.0.1', API_KEY: 'abc', SPACED: 'padded', EMPTY: '', INDENTED: 'yes' });
  });

  it('cuts a ` #` comment off an unquoted value but keeps `#` inside a word', () => {
    assert.deepEqual(valuesOf('A=abc # note\nB=abc#def\n'), { A: 'abc', B: 'abc#def' });
  });

  it('reads single quotes literally and double quotes with escapes, across lines', () => {
    const text = "SINGLE='a $B \\n # c'\nDOUBLE=\"tab\\there \\\"q\\\" \\$x\"\nPEM=\"-----BEGIN KEY-----\nMIIB\n-----END KEY-----\"\nAFTER=1\n";
    assert.deepEqual(valuesOf(text), { SINGLE: 'a $B \\n # c', DOUBLE: 'tab\there "q" $x', PEM: '-----BEGIN KEY-----\nMIIB\n-----END KEY-----', AFTER: '1' });
  });

  it('lets a later line win, and accepts CRLF line ends', () => {
    assert.deepEqual(valuesOf('A=1\r\nA=2\r\n'), { A: '2' });
  });

  it('reports a line without `=` at its line (BERTH_E_ENV_FILE_SYNTAX) and keeps reading', () => {
    const result = parseEnvFile('A=1\nthis is not a variable\nB=2\n', FILE);
    assert.deepEqual(Object.fromEntries(result.values), { A: '1', B: '2' });
    assert.equal(result.diagnostics.length, 1);
    const d = result.diagnostics[0]!;
    assert.equal(d.code, 'BERTH_E_ENV_FILE_SYNTAX');
    assert.deepEqual(d.location, { file: FILE, line: 2, column: 1 });
    assert.equal(d.message, 'env file line is not KEY=VALUE: no `=` after a variable name');
    assert.equal(d.expected, 'NAME=value');
    assert.equal(d.found, '"this is not a variable"');
  });

  it('reports an unclosed quote where it opens, without showing the value', () => {
    const single = parseEnvFile("A=1\nTOKEN='s3cr3t\n", FILE).diagnostics[0]!;
    assert.deepEqual(single.location, { file: FILE, line: 2, column: 7 });
    assert.match(single.message, /single quote opened for TOKEN is never closed/);
    assert.equal(JSON.stringify(single).includes('s3cr3t'), false);
    const double = parseEnvFile('A=1\nexport KEY = "abc\nB=2\n', FILE).diagnostics[0]!;
    assert.deepEqual(double.location, { file: FILE, line: 2, column: 14 });
    assert.equal(double.expected, 'a closing `"`');
    assert.equal(double.found, 'the end of the file');
  });
});

describe('maskEnvFile', () => {
  it('hides every value but keeps names, comments and the lines a problem points at', () => {
    const text = '# keys\nSTRIPE_KEY=sk_live_123\nthis line is wrong\nEMPTY=\nPEM="a\nb"\n';
    const { diagnostics } = parseEnvFile(text, FILE);
    assert.equal(maskEnvFile(text, diagnostics), '# keys\nSTRIPE_KEY=***\nthis line is wrong\nEMPTY=\nPEM=***\n***\n');
  });
});

describe('env files through loadStack', () => {
  it('points BERTH_E_ENV_FILE_SYNTAX into the env file', () => {
    const result = loadText('services:\n  web:\n    command: ./web\n', { files: { '.env': 'A=1\n\nnot valid\n' } });
    const d = only(result, 'BERTH_E_ENV_FILE_SYNTAX');
    assert.equal(d.location?.file.endsWith('/.env'), true);
    assert.equal(position(d), '3:1');
  });

  it('never puts the secrets of the lines around a bad line into the code-frame sources', () => {
    const result = loadText('services:\n  web:\n    command: ./web\n', { files: { '.env': 'STRIPE_KEY=sk_live_1234567890\nnot valid\nDB_PASSWORD=hunter2hunter2\n' } });
    assert.equal(result.ok, false);
    const envText = [...result.context.sources].find(([file]) => file.endsWith('/.env'))?.[1] ?? '';
    assert.match(envText, /not valid/);
    assert.equal(envText.includes('sk_live_1234567890'), false);
    assert.equal(envText.includes('hunter2hunter2'), false);
  });

  it('BERTH_E_ENV_FILE_NOT_FOUND: at the `env_file` entry that names it, stack-wide or per service', () => {
    const listed = only(loadText('env_file: [.env, secrets.env]\nservices:\n  web:\n    command: ./web\n', { files: { '.env': 'A=1\n' } }), 'BERTH_E_ENV_FILE_NOT_FOUND');
    assert.equal(listed.message, 'env file secrets.env does not exist');
    assert.equal(listed.path, 'env_file[1]');
    assert.equal(position(listed), '1:18');
    assert.equal(listed.expected, 'an existing file');
    assert.match(listed.found ?? '', /no file at .*secrets\.env$/);
    assert.match(listed.hint, /keep it out of git/);
    const own = only(loadText('services:\n  web:\n    command: ./web\n    env_file: web.env\n'), 'BERTH_E_ENV_FILE_NOT_FOUND');
    assert.equal(own.path, 'services.web.env_file');
    assert.equal(position(own), '4:15');
  });

  it('BERTH_E_FILE_READ: an env file that cannot be read, at the `env_file` that names it', () => {
    const result = loadText('env_file: config\nservices:\n  web:\n    command: ./web\n', { files: { 'config/README': 'a folder, not a file\n' } });
    const d = only(result, 'BERTH_E_FILE_READ');
    assert.match(d.message, /^cannot read .*config: /);
    assert.equal(d.path, 'env_file');
    assert.equal(position(d), '1:11');
    assert.equal(d.expected, 'a readable file');
    assert.ok((d.found ?? '').length > 0);
  });

  it('does not require the default `.env`', () => {
    assert.ok(loadText('services:\n  web:\n    command: ./web\n').ok);
  });

  it('layers env files: stack-wide, then the service\'s own, then `env`', () => {
    const result = loadText('env_file: .env\nservices:\n  web:\n    command: ./web\n    env_file: web.env\n    env: { C: from-env }\n', { files: { '.env': 'A=stack\nB=stack\nC=stack\n', 'web.env': 'B=own\nC=own\n' } });
    assert.ok(result.ok);
    assert.deepEqual({ A: result.stack.services.web?.env.A, B: result.stack.services.web?.env.B, C: result.stack.services.web?.env.C }, { A: 'stack', B: 'own', C: 'from-env' });
  });
});
