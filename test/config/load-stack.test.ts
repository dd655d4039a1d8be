import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadText, only, position } from '../helpers/temp-stack.js';

describe('loadStack', () => {
  it('resolves a small stack with defaults filled in and frozen', () => {
    const result = loadText('services:\n  web:\n    command: node server.js\n    http: {}\n');
    assert.ok(result.ok);
    const web = result.stack.services.web!;
    assert.deepEqual(web.command, { shell: 'node server.js' });
    assert.equal(web.restart, 'always');
    assert.equal(web.stop.timeout, '10s');
    assert.equal(web.ready?.kind, 'tcp');
    assert.equal(web.ready.implicit, true);
    assert.ok(Object.isFrozen(result.stack.services));
    assert.throws(() => {
      (web as { restart: string }).restart = 'never';
    }, TypeError);
  });

  it('points an unknown key at its own line and column with a did-you-mean hint', () => {
    const result = loadText('services:\n  web:\n    command: x\n    prot: 80\n');
    assert.equal(result.ok, false);
    const d = only(result, 'BERTH_E_SCHEMA_UNKNOWN_KEY');
    assert.equal(position(d), '4:5');
    assert.equal(d.path, 'services.web.prot');
    assert.match(d.hint, /did you mean `port`\?/);
  });
});
