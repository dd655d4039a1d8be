import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { createDraft, createDraftService, setField } from '../../src/init/init-draft.js';
import { renderBerthYml, SCHEMA_URL } from '../../src/init/render-berth-yml.js';

function sample() {
  const draft = createDraft(['Procfile']);
  const web = createDraftService('web', 'Procfile');
  setField(web, 'http', {}, 'Berth assigns $PORT');
  setField(web, 'command', 'echo "a: b" # not a comment', 'from Procfile');
  setField(web, 'env', { A: '${services.db.url}', B: 'yes', C: 3 }).entryComments = { A: 'was a URL' };
  setField(web, 'depends_on', ['db']);
  web.notes.push('not mapped: labels: {"a":"b"} (no containers to label)');
  const db = createDraftService('db', 'Procfile');
  setField(db, 'recipe', 'postgres');
  setField(db, 'data', './data/db');
  draft.services.push(web, db);
  draft.notes.push('first note', 'two\nlines');
  return draft;
}

describe('renderBerthYml', () => {
  it('starts with the yaml-language-server schema line', () => {
    const text = renderBerthYml(sample());
    assert.equal(text.split('\n')[0], `# yaml-language-server: $schema=${SCHEMA_URL}`);
    assert.equal(SCHEMA_URL, 'https://berth.dev/schemas/berth.schema.json');
  });

  it('writes values that parse back to exactly the draft, in Berth field order', () => {
    const parsed = parse(renderBerthYml(sample())) as { services: Record<string, Record<string, unknown>> };
    assert.deepEqual(parsed.services.web, { command: 'echo "a: b" # not a comment', env: { A: '${services.db.url}', B: 'yes', C: 3 }, http: {}, depends_on: ['db'] });
    assert.deepEqual(Object.keys(parsed.services.web), ['command', 'env', 'http', 'depends_on']);
    assert.deepEqual(parsed.services.db, { recipe: 'postgres', data: './data/db' });
  });

  it('puts field comments on their lines, notes inside the service, and file notes at the end', () => {
    const text = renderBerthYml(sample());
    assert.match(text, /\n {4}http: \{\} # Berth assigns \$PORT\n/);
    assert.match(text, /\n {6}A: \$\{services\.db\.url\} # was a URL\n/);
    assert.match(text, /\n {4}# not mapped: labels: \{"a":"b"\} \(no containers to label\)\n/);
    assert.match(text, /\n {2}# from Procfile\n {2}web:\n/);
    assert.match(text, /# Notes from berth init:\n# - first note\n# - two\n# {3}lines\n$/);
  });
});
