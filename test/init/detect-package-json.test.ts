import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectPackageJson } from '../../src/init/detect-package-json.js';
import { createMemoryFiles } from '../../src/init/project-files.js';
import { describeFailure, detect, fieldOf, renderAndLoad, serviceOf } from './init-helpers.js';

const pkg = (value: unknown) => JSON.stringify(value, null, 2);

describe('detectPackageJson', () => {
  it('makes a web service from `start`, a build step from `build`, and the stack name from `name`', () => {
    const files = { 'package.json': pkg({ name: '@acme/Shop-Front', scripts: { start: 'node dist/server.js', build: 'tsc -p .' } }), 'package-lock.json': '{}', 'src/index.ts': '', 'tsconfig.json': '{}' };
    const draft = detect(files);
    assert.equal(draft.name?.value, 'shop-front');
    assert.deepEqual(draft.services.map((s) => [s.name, s.source]), [['web', 'package.json']]);
    assert.equal(fieldOf(draft, 'web', 'command'), 'npm start');
    assert.deepEqual(fieldOf(draft, 'web', 'http'), {});
    assert.deepEqual(fieldOf(draft, 'web', 'build'), { command: 'npm run build', inputs: ['package.json', 'package-lock.json', 'src', 'tsconfig.json'] });
    assert.match(serviceOf(draft, 'web').fields.get('command')?.comment ?? '', /start: node dist\/server\.js/);
    const { text, result } = renderAndLoad(draft, files);
    assert.ok(result.ok, describeFailure(result, text));
    assert.deepEqual(result.stack.services.web?.command, { shell: 'npm start' });
    assert.equal(result.stack.name, 'shop-front');
    assert.match(text, /# ready: \{ http: \/health \}/);
    assert.match(text, /# berth deploy builds in a fresh release folder: .*`npm ci && npm run build`/);
  });

  it('uses the package manager the lockfile names', () => {
    const draft = detect({ 'package.json': pkg({ name: 'shop', scripts: { start: 'next start', build: 'next build' } }), 'yarn.lock': '' });
    assert.equal(fieldOf(draft, 'web', 'command'), 'yarn start');
    assert.deepEqual(fieldOf(draft, 'web', 'build'), { command: 'yarn run build', inputs: ['package.json', 'yarn.lock'] });
    assert.match(serviceOf(draft, 'web').fields.get('build')?.comment ?? '', /add the folders the build reads/);
  });

  it('makes no service from a `dev` script alone, and says why', () => {
    const result = detectPackageJson(pkg({ name: 'x', scripts: { dev: 'vite' } }), createMemoryFiles({}));
    assert.ok(result.ok);
    assert.equal(result.draft.services.length, 0);
    assert.match(result.draft.notes[0] ?? '', /has a `dev` script \(vite\) but no `start`/);
  });

  it('reports JSON it cannot parse as BERTH_E_INIT_SOURCE', () => {
    const result = detectPackageJson('{ "name": "x", }', createMemoryFiles({}));
    assert.ok(!result.ok);
    assert.equal(result.diagnostic.code, 'BERTH_E_INIT_SOURCE');
    assert.match(result.diagnostic.message, /^cannot read package\.json: /);
  });

  it('leaves out a name that cannot become a Berth name', () => {
    const result = detectPackageJson(pkg({ name: '123', scripts: { start: 'node .' } }), createMemoryFiles({}));
    assert.ok(result.ok);
    assert.equal(result.draft.name, undefined);
  });
});
