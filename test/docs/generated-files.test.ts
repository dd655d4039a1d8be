import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { errorCatalog } from '../../src/errors/catalog.js';
import { renderGeneratedFiles } from '../../src/docs/generated-files.js';

const root = join(import.meta.dirname, '..', '..');

describe('generated files', () => {
  for (const [path, expected] of Object.entries(renderGeneratedFiles())) {
    it(`${path} is up to date (run \`npm run generate\` when this fails)`, () => {
      const actual = readFileSync(join(root, path), 'utf8');
      assert.equal(actual, expected, `${path} is stale: run \`npm run generate\``);
    });
  }

  it('documents every catalogued code exactly once in docs/reference/errors.md', () => {
    const doc = readFileSync(join(root, 'docs/reference/errors.md'), 'utf8');
    for (const code of Object.keys(errorCatalog)) {
      const rows = doc.split('\n').filter((line) => line.startsWith(`| \`${code}\` |`));
      assert.equal(rows.length, 1, `${code} should have one row in errors.md`);
    }
    const documented = [...doc.matchAll(/^\| `(BERTH_[EW]_[A-Z_]+)` \|/gm)].map((m) => m[1]);
    assert.deepEqual(documented.sort(), Object.keys(errorCatalog).sort());
  });

  it('gives every catalogued code a stable shape, a severity that matches its prefix, and a hint', () => {
    for (const [code, entry] of Object.entries(errorCatalog)) {
      assert.match(code, /^BERTH_[EW]_[A-Z0-9_]+$/);
      assert.equal(entry.severity, code.startsWith('BERTH_W_') ? 'warning' : 'error', code);
      assert.ok(entry.hint.trim().length > 0 && entry.message.trim().length > 0, `${code} needs a message and a hint`);
    }
  });

  it('documents every top-level stack key and service key in the stack-file reference', () => {
    const doc = readFileSync(join(root, 'docs/reference/stack-file.md'), 'utf8');
    for (const key of ['services', 'jobs', 'edge', 'alerts', 'environments', 'deploy']) assert.match(doc, new RegExp(`## \`${key}\``));
    for (const key of ['command', 'recipe', 'depends_on', 'ready', 'live', 'restart', 'routes', 'static', 'backup', 'singleton', 'replicas']) {
      assert.match(doc, new RegExp(`\`services\\.<name>\\.${key}\``), `services.<name>.${key} missing`);
    }
  });

  it('lets editors accept x- keys but reject unknown keys in the JSON Schema', () => {
    const schema = JSON.parse(readFileSync(join(root, 'schemas/berth.schema.json'), 'utf8')) as { properties: Record<string, { additionalProperties?: { additionalProperties?: boolean; patternProperties?: object } }> };
    const service = schema.properties.services?.additionalProperties;
    assert.equal(service?.additionalProperties, false);
    assert.deepEqual(service.patternProperties, { '^x-': {} });
  });
});
