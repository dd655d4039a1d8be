import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseYaml } from '../../src/config/parse-yaml.js';
import { locate, pathKey } from '../../src/config/source-map.js';
import { loadStack } from '../../src/config/load-stack.js';
import { loadText, only, position, writeFiles } from '../helpers/temp-stack.js';

const FILE = '/stack/berth.yml';

function onlyProblem(text: string) {
  const parsed = parseYaml(text, FILE);
  assert.equal(parsed.diagnostics.length, 1, JSON.stringify(parsed.diagnostics, null, 2));
  assert.equal(parsed.data, undefined);
  return parsed.diagnostics[0]!;
}

describe('parseYaml', () => {
  it('records where every key and value is written', () => {
    const parsed = parseYaml('services:\n  web:\n    command: "node server.js"\n    routes:\n      - host: a.example.com\n', FILE);
    assert.deepEqual(parsed.diagnostics, []);
    const entry = parsed.sourceMap.get(pathKey(['services', 'web', 'command']));
    assert.ok(entry);
    assert.deepEqual(entry.key, { file: FILE, line: 3, column: 5 });
    assert.deepEqual(entry.value, { file: FILE, line: 3, column: 14 });
    assert.equal(entry.style, 'quoted');
    assert.deepEqual(locate(parsed.sourceMap, ['services', 'web', 'routes', 0, 'host']), { file: FILE, line: 5, column: 15 });
    assert.deepEqual(locate(parsed.sourceMap, ['services', 'web', 'missing', 'deeper']), { file: FILE, line: 2, column: 3 });
  });

  it('resolves anchors and merge keys, and places merged fields at the anchor', () => {
    const parsed = parseYaml('x-base: &base\n  restart: never\nservices:\n  web:\n    <<: *base\n    command: ./web\n', FILE);
    assert.deepEqual(parsed.data, { 'x-base': { restart: 'never' }, services: { web: { restart: 'never', command: './web' } } });
    assert.deepEqual(locate(parsed.sourceMap, ['services', 'web', 'restart']), { file: FILE, line: 2, column: 12 });
  });

  it('BERTH_E_YAML_DUPLICATE_KEY: at the second key, with its field path', () => {
    const d = onlyProblem('services:\n  web:\n    command: ./a\n    http: {}\n    command: ./b\n');
    assert.equal(d.code, 'BERTH_E_YAML_DUPLICATE_KEY');
    assert.equal(d.message, 'key command appears twice in the same mapping');
    assert.deepEqual(d.location, { file: FILE, line: 5, column: 5 });
    assert.equal(d.path, 'services.web.command');
    assert.equal(d.expected, 'each key once');
    assert.equal(d.found, 'the same key twice');
    assert.match(d.hint, /remove one of them/);
    const service = onlyProblem('services:\n  web:\n    command: ./a\n  web:\n    command: ./b\n');
    assert.equal(service.path, 'services.web');
    assert.equal(position(service), '4:3');
  });

  it('BERTH_E_YAML_SYNTAX: a tab used for indentation', () => {
    const d = onlyProblem('services:\n  web:\n\tcommand: ./web\n');
    assert.equal(d.code, 'BERTH_E_YAML_SYNTAX');
    assert.equal(d.message, 'YAML syntax error: Tabs are not allowed as indentation');
    assert.equal(position(d), '3:1');
    assert.equal(d.expected, 'indentation with spaces');
    assert.equal(d.found, 'a tab');
    assert.match(d.hint, /indentation must use spaces/);
  });

  it('BERTH_E_YAML_SYNTAX: an unclosed quote is shown where it opens, not at the end of the file', () => {
    for (const quote of ['"', "'"]) {
      const d = onlyProblem(`services:\n  web:\n    command: ${quote}node server.js\n    port: 80\n  db:\n    recipe: redis\n`);
      assert.equal(position(d), '3:14');
      assert.equal(d.path, 'services.web.command');
      assert.match(d.expected ?? '', /closing quote/);
    }
  });

  it('BERTH_E_YAML_SYNTAX: a key out of line is shown at the key, with what is written there', () => {
    const d = onlyProblem('services:\n  web:\n    command: ./web\n   port: 80\n');
    assert.equal(position(d), '4:4');
    assert.equal(d.found, '"port: 80"');
    assert.match(d.expected ?? '', /indentation/);
  });

  it('BERTH_E_YAML_SYNTAX: an unquoted value holding `: `', () => {
    const d = onlyProblem('services:\n  web:\n    command: echo a: b: c\n');
    assert.equal(position(d), '3:14');
    assert.equal(d.path, 'services.web.command');
    assert.match(d.expected ?? '', /quote a value that contains `: `/);
    assert.equal(d.found, '"echo a: b: c"');
  });

  it('BERTH_E_YAML_SYNTAX: two documents, and an alias to an anchor that does not exist', () => {
    const docs = onlyProblem('services:\n  web:\n    command: ./web\n---\nservices: {}\n');
    assert.equal(position(docs), '4:1');
    assert.equal(docs.path, undefined);
    assert.equal(docs.found, 'a second document after `---`');
    const alias = onlyProblem('services:\n  web: *base\n');
    assert.equal(position(alias), '2:8');
    assert.equal(alias.path, 'services.web');
    assert.match(alias.found ?? '', /Unresolved alias/);
  });

  it('BERTH_E_YAML_SYNTAX: an alias inside its own anchor, instead of an endless value', () => {
    const d = onlyProblem('services: &s\n  web:\n    command: ./web\n    again: *s\n');
    assert.equal(position(d), '4:12');
    assert.equal(d.path, 'services.web.again');
  });
});

describe('the stack file itself', () => {
  it('BERTH_E_YAML_NOT_MAPPING: a list, a scalar or an empty file', () => {
    const list = only(loadText('# services\n- web\n- db\n'), 'BERTH_E_YAML_NOT_MAPPING');
    assert.equal(position(list), '2:1');
    assert.equal(list.found, 'a list of 2 items');
    assert.match(list.expected ?? '', /a mapping/);
    assert.match(list.hint, /start the file with `services:`/);
    assert.equal(only(loadText('hello\n'), 'BERTH_E_YAML_NOT_MAPPING').found, 'the string "hello"');
    assert.equal(only(loadText(''), 'BERTH_E_YAML_NOT_MAPPING').found, 'an empty file');
  });

  it('BERTH_E_FILE_NOT_FOUND names the file', () => {
    const dir = writeFiles({});
    const result = loadStack({ file: join(dir, 'berth.yml') });
    const d = only(result, 'BERTH_E_FILE_NOT_FOUND');
    assert.equal(d.message, `stack file ${join(dir, 'berth.yml')} does not exist`);
    assert.equal(d.found, 'no file');
    assert.match(d.hint, /berth init/);
  });

  it('BERTH_E_FILE_READ when berth.yml cannot be read', () => {
    const dir = writeFiles({});
    mkdirSync(join(dir, 'berth.yml'));
    const d = only(loadStack({ file: join(dir, 'berth.yml') }), 'BERTH_E_FILE_READ');
    assert.match(d.message, /^cannot read .*berth\.yml: /);
    assert.match(d.hint, /may read it/);
  });

  it('reports YAML errors with the file they are in', () => {
    const result = loadText('services:\n  web:\n    command: ./a\n    command: ./b\n');
    const d = only(result, 'BERTH_E_YAML_DUPLICATE_KEY');
    assert.equal(d.location?.file, join(result.dir, 'berth.yml'));
  });
});
