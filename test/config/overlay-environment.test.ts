import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findEnvironmentBlock, listEnvironments, mergeOverlay } from '../../src/config/overlay-environment.js';
import { diagnosticsOf, loadText, only, position } from '../helpers/temp-stack.js';

const BASE = `services:
  web:
    command: ./web
    http: {}
    replicas: 2
    env: { MODE: base, KEEP: yes }
    routes: [{ host: shop.example.com }]
  debug:
    command: ./debug
environments:
  staging:
    services:
      web:
        replicas: 1
        env: { MODE: staging }
        routes: [{ host: staging.example.com }]
      debug: null
`;

describe('mergeOverlay', () => {
  it('merges mappings, replaces lists and values, removes keys set to null, and leaves its inputs alone', () => {
    const base = { a: { b: 1, c: [1, 2], d: 'x' }, e: 1 };
    const overlay = { a: { b: 2, c: [3] }, e: null, f: 'new' };
    assert.deepEqual(mergeOverlay(base, overlay), { a: { b: 2, c: [3], d: 'x' }, f: 'new' });
    assert.deepEqual(base, { a: { b: 1, c: [1, 2], d: 'x' }, e: 1 });
  });

  it('keeps a `__proto__` key as data instead of changing the prototype', () => {
    const merged = mergeOverlay({}, JSON.parse('{"__proto__": {"polluted": true}}')) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(merged), Object.prototype);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('finds environment blocks and lists their names', () => {
    const data = { environments: { staging: { a: 1 }, empty: null } };
    assert.deepEqual(findEnvironmentBlock(data, 'staging'), { a: 1 });
    assert.deepEqual(findEnvironmentBlock(data, 'empty'), {});
    assert.equal(findEnvironmentBlock(data, 'toString'), undefined);
    assert.deepEqual(listEnvironments(data), ['staging', 'empty']);
  });
});

describe('the `environments:` block', () => {
  it('overlays the named environment and leaves the base as it is without --env', () => {
    const base = loadText(BASE);
    assert.ok(base.ok);
    assert.equal(base.stack.services.web?.replicas, 2);
    assert.equal(base.stack.environment, null);
    const staging = loadText(BASE, { environment: 'staging' });
    assert.ok(staging.ok, JSON.stringify(diagnosticsOf(staging)));
    const web = staging.stack.services.web;
    assert.ok(web);
    assert.equal(web.replicas, 1);
    assert.deepEqual([web.env.MODE, web.env.KEEP], ['staging', 'yes']);
    assert.deepEqual(web.routes.map((r) => r.host), ['staging.example.com']);
    assert.equal(staging.stack.services.debug, undefined);
    assert.equal(staging.stack.environment, 'staging');
  });

  it('points an error in the block at the block', () => {
    const result = loadText(BASE.replace('        replicas: 1', '        replicas: 0'), { environment: 'staging' });
    const d = only(result, 'BERTH_E_SCHEMA_VALUE');
    assert.equal(d.path, 'services.web.replicas');
    assert.equal(position(d), '14:19');
  });

  it('BERTH_E_ENVIRONMENT_UNKNOWN: names the environments there are, and points at `environments:`', () => {
    const result = loadText(BASE, { environment: 'prod' });
    const d = only(result, 'BERTH_E_ENVIRONMENT_UNKNOWN');
    assert.equal(d.message, 'environment `prod` is not defined');
    assert.equal(d.path, 'environments');
    assert.equal(position(d), '10:1');
    assert.equal(d.found, '`prod`');
    assert.match(d.expected ?? '', /under `environments:` or an overlay file/);
    assert.equal(d.hint, 'add it under `environments:` or create berth.prod.yml beside the stack file; defined: staging');
    const none = only(loadText('services:\n  web:\n    command: ./web\n', { environment: 'prod' }), 'BERTH_E_ENVIRONMENT_UNKNOWN');
    assert.equal(none.location, undefined);
    assert.match(none.hint, /defined: none$/);
  });
});

describe('an overlay file (berth.NAME.yml)', () => {
  const base = 'services:\n  web:\n    command: ./web\n    http: {}\n    env: { MODE: base }\n';

  it('is merged over the base file', () => {
    const result = loadText(base, { environment: 'prod', files: { 'berth.prod.yml': 'services:\n  web:\n    replicas: 3\n    env: { MODE: prod }\n' } });
    assert.ok(result.ok, JSON.stringify(diagnosticsOf(result)));
    assert.deepEqual([result.stack.services.web?.replicas, result.stack.services.web?.env.MODE], [3, 'prod']);
    assert.equal(result.stack.environment, 'prod');
  });

  it('is applied after the `environments:` block of the same name', () => {
    const result = loadText(`${base}environments:\n  prod:\n    services: { web: { replicas: 2, restart: never } }\n`, { environment: 'prod', files: { 'berth.prod.yml': 'services:\n  web:\n    replicas: 4\n' } });
    assert.ok(result.ok, JSON.stringify(diagnosticsOf(result)));
    assert.deepEqual([result.stack.services.web?.replicas, result.stack.services.web?.restart], [4, 'never']);
  });

  it('points schema errors, variable errors and lint errors into the overlay file', () => {
    const result = loadText(`${base}  other:\n    command: ./other\n`, {
      environment: 'prod',
      files: { 'berth.prod.yml': 'services:\n  web:\n    restart: sometimes\n    stop:\n      timeout: forever\n    env:\n      TOKEN: ${PROD_TOKEN}\n' },
    });
    const overlay = (file: string | undefined) => file?.endsWith('/berth.prod.yml') === true;
    const restart = only(result, 'BERTH_E_SCHEMA_VALUE');
    assert.ok(overlay(restart.location?.file));
    assert.equal(position(restart), '3:14');
    const timeout = only(result, 'BERTH_E_SCHEMA_DURATION');
    assert.ok(overlay(timeout.location?.file));
    assert.equal(position(timeout), '5:16');
    const unset = only(result, 'BERTH_E_VAR_UNSET');
    assert.ok(overlay(unset.location?.file));
    assert.equal(position(unset), '7:14');
    const lint = loadText('services:\n  a:\n    command: ./a\n    port: 3000\n  b:\n    command: ./b\n    port: 3001\n', { environment: 'prod', files: { 'berth.prod.yml': '# prod\nservices:\n  b:\n    port: 3000\n' } });
    const conflict = only(lint, 'BERTH_E_PORT_CONFLICT');
    assert.ok(overlay(conflict.location?.file));
    assert.equal(position(conflict), '4:11');
  });

  it('reports its own YAML problems in itself', () => {
    const dup = only(loadText(base, { environment: 'prod', files: { 'berth.prod.yml': 'services:\n  web:\n    replicas: 2\n    replicas: 3\n' } }), 'BERTH_E_YAML_DUPLICATE_KEY');
    assert.match(dup.location?.file ?? '', /berth\.prod\.yml$/);
    assert.equal(position(dup), '4:5');
    const list = only(loadText(base, { environment: 'prod', files: { 'berth.prod.yml': '- replicas: 2\n' } }), 'BERTH_E_YAML_NOT_MAPPING');
    assert.match(list.location?.file ?? '', /berth\.prod\.yml$/);
    assert.equal(list.found, 'a list of 1 item');
  });

  it('keeps code frames possible: its text is among the sources', () => {
    const result = loadText(base, { environment: 'prod', files: { 'berth.prod.yml': 'services:\n  web:\n    replicas: 0\n' } });
    assert.equal(result.ok, false);
    const file = only(result, 'BERTH_E_SCHEMA_VALUE').location?.file ?? '';
    assert.equal(result.context.sources.get(file), 'services:\n  web:\n    replicas: 0\n');
  });
});
