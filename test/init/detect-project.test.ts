import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectProject } from '../../src/init/detect-project.js';
import { createMemoryFiles } from '../../src/init/project-files.js';
import { describeFailure, detect, renderAndLoad } from './init-helpers.js';

describe('detectProject', () => {
  it('writes a starter with one example service when nothing is detected', () => {
    const draft = detect({ 'README.md': '# hi' });
    assert.equal(draft.starter, true);
    assert.deepEqual(draft.services.map((s) => s.name), ['web']);
    const { text, result } = renderAndLoad(draft);
    assert.ok(result.ok, describeFailure(result, text));
    assert.match(text, /No package\.json, Procfile or compose file was found here, so this is a starter/);
    assert.match(text, /\n {2}# postgres:\n {2}# {3}recipe: postgres\n/);
  });

  it('falls back to the starter when the sources name nothing runnable, keeping their notes', () => {
    const draft = detect({ 'package.json': JSON.stringify({ name: 'tool', scripts: { dev: 'vite' } }) });
    assert.equal(draft.starter, true);
    assert.equal(draft.name?.value, 'tool');
    const { text, result } = renderAndLoad(draft);
    assert.ok(result.ok, describeFailure(result, text));
    assert.match(text, /package\.json named no service Berth could run/);
    assert.match(text, /has a `dev` script \(vite\) but no `start`/);
  });

  it('fails the whole detection when one source cannot be parsed', () => {
    const result = detectProject(createMemoryFiles({ 'docker-compose.yml': 'services: [', 'package.json': JSON.stringify({ scripts: { start: 'x' } }) }));
    assert.ok(!result.ok);
    assert.equal(result.diagnostic.code, 'BERTH_E_INIT_SOURCE');
    assert.match(result.diagnostic.message, /docker-compose\.yml/);
  });

  it('suggests the edge when a reverse proxy was dropped', () => {
    const draft = detect({ 'compose.yml': 'services:\n  web:\n    image: x/app\n    command: node server.js\n  proxy:\n    image: traefik:v3\n    depends_on: [web]\n' });
    assert.ok(draft.notes.some((n) => n.includes('tls: { acme: { email: you@example.com } }')));
    assert.ok(draft.services[0]?.notes.some((n) => n.startsWith('routes: [{ host: app.example.com }]') && n.includes('give it http: {} or a port')));
  });
});
