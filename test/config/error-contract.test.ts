// "Every stack-file error names file:line:col, the field path, what was expected and what was found."
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { isTrackedByGit } from '../../src/cli/load-for-cli.js';
import { loadStack } from '../../src/config/load-stack.js';
import { errorCatalog, type ErrorCode } from '../../src/errors/catalog.js';
import { diagnosticsOf, loadText, writeFiles } from '../helpers/temp-stack.js';

// Problems that belong to a whole file rather than to one field of berth.yml.
const WHOLE_FILE = new Set<ErrorCode>(['BERTH_E_YAML_NOT_MAPPING', 'BERTH_E_ENV_FILE_SYNTAX', 'BERTH_W_ENV_FILE_TRACKED']);

const CASES: readonly { readonly name: string; readonly yaml: string; readonly files?: Record<string, string>; readonly environment?: string }[] = [
  { name: 'duplicate key', yaml: 'services:\n  web:\n    command: ./a\n    command: ./b\n' },
  { name: 'unclosed quote', yaml: 'services:\n  web:\n    command: "./a\n' },
  { name: 'misplaced key', yaml: 'services:\n  web:\n    command: ./a\n   port: 80\n' },
  { name: 'a list', yaml: '- web\n' },
  { name: 'env files', yaml: 'env_file: [.env, missing.env]\nservices:\n  web:\n    command: ./a\n', files: { '.env': 'A=1\nnot valid\n' } },
  { name: 'unknown environment', yaml: 'services:\n  web:\n    command: ./a\nenvironments:\n  staging: {}\n', environment: 'prod' },
  {
    name: 'schema',
    yaml: `services:
  web:
    command: 42
    prot: 80
    restart: sometimes
    stop: { timeout: forever }
    logs: { max_size: huge }
    ready: { http: /h, tcp: true }
    env: { bad-name: x }
  Bad:
    command: ./x
jobs:
  nightly:
    schedule: "0 2 * *"
`,
  },
  { name: 'required', yaml: 'name: shop\n' },
  { name: 'variables', yaml: 'services:\n  web:\n    command: ./a ${MISSING}\n    env:\n      A: ${REQ:?set REQ}\n      B: ${BAD:+x}\n' },
  { name: 'references', yaml: 'services:\n  w:\n    command: ./w\n  api:\n    command: ./api\n    http: {}\n  web:\n    command: ./web ${services.api.url}\n    env:\n      A: ${services.nope.url}\n      B: ${services.w.port}\n' },
  {
    name: 'lint',
    yaml: `services:
  a:
    command: ./a
    port: 3000
    depends_on: [b, ghost]
  b:
    command: ./b
    port: 3000
    depends_on:
      a: completed
      c: ready
  c:
    command: ./c
    routes: [{ path: /x }]
  d:
    command: ./d
    http: {}
    routes: [{ path: /x/ }]
  beat:
    command: ./beat
    singleton: true
    replicas: 2
    deploy: { strategy: blue-green }
  db:
    recipe: redis
jobs:
  j:
    command: ./j
    every: 1m
    depends_on: [nope]
`,
  },
  {
    name: 'warnings',
    yaml: 'services:\n  web:\n    command: gunicorn -b 0.0.0.0:$PORT app\n    http: {}\n    routes: [{ host: a.example.com }]\n    env: { API_TOKEN: abcdef123456 }\n',
  },
];

describe('every stack-file problem is located and explained', () => {
  for (const { name, yaml, files, environment } of CASES) {
    it(name, () => {
      const result = loadText(yaml, { ...(files === undefined ? {} : { files }), ...(environment === undefined ? {} : { environment }) });
      const found = diagnosticsOf(result);
      assert.ok(found.length > 0);
      for (const d of found) {
        const label = `${d.code} ${JSON.stringify(d)}`;
        assert.ok(d.location !== undefined, `no location: ${label}`);
        assert.ok(d.location.file.startsWith(result.dir), label);
        assert.ok(d.location.line >= 1 && d.location.column >= 1, label);
        assert.ok((d.expected ?? '').trim().length > 0, `no expected: ${label}`);
        assert.ok((d.found ?? '').trim().length > 0, `no found: ${label}`);
        assert.ok(d.message.trim().length > 0 && d.hint.trim().length > 0, label);
        assert.doesNotMatch(`${d.message} ${d.hint}`, /(?<!\$)\{\w+\}|undefined/, `unfilled template: ${label}`);
        if (!WHOLE_FILE.has(d.code)) assert.ok((d.path ?? '').length > 0, `no path: ${label}`);
      }
    });
  }

  it('a tracked env file is located too', () => {
    const dir = writeFiles({ 'berth.yml': 'services:\n  web:\n    command: ./web\n', '.env': 'A=1\n' });
    assert.equal(spawnSync('git', ['init', '-q'], { cwd: dir }).status, 0);
    assert.equal(spawnSync('git', ['add', '.env'], { cwd: dir }).status, 0);
    const [d] = diagnosticsOf(loadStack({ file: join(dir, 'berth.yml'), isTrackedByGit }));
    assert.equal(d?.location?.file, join(dir, '.env'));
  });
});

describe('a test for every error code the loader can produce', () => {
  const loaderCodes = Object.entries(errorCatalog)
    .filter(([, entry]) => ['file', 'schema', 'interpolation', 'lint'].includes(entry.area))
    .map(([code]) => code);
  const testText = (function read(dir: string): string {
    return readdirSync(dir)
      .map((entry) => join(dir, entry))
      .map((path) => (statSync(path).isDirectory() ? read(path) : path.endsWith('.test.ts') && !path.endsWith('error-contract.test.ts') ? readFileSync(path, 'utf8') : ''))
      .join('\n');
  })(join(import.meta.dirname));

  it('names each loader code in an assertion under test/config', () => {
    assert.ok(loaderCodes.length >= 30);
    const missing = loaderCodes.filter((code) => !new RegExp(`'${code}'`).test(testText));
    assert.deepEqual(missing, []);
  });
});
