import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createDraft, createDraftService, setField } from '../../src/init/init-draft.js';
import { mapComposeHealthcheck } from '../../src/init/map-compose-healthcheck.js';
import { describeFailure, renderAndLoad } from './init-helpers.js';

describe('mapComposeHealthcheck', () => {
  it('reads curl in CMD-SHELL form as an HTTP probe on the service port', () => {
    const mapped = mapComposeHealthcheck({ test: ['CMD-SHELL', 'curl -f http://localhost:8000/health/ || exit 1'], interval: '1m30s', retries: 4 }, 8000);
    assert.deepEqual(mapped.probe, { http: '/health/', interval: '90s', failures: 4 });
  });

  it('names the port when the URL uses another one than the service', () => {
    const mapped = mapComposeHealthcheck({ test: 'wget --spider -q http://127.0.0.1:9000/metrics' }, 8000);
    assert.deepEqual(mapped.probe, { http: { path: '/metrics', port: 9000 } });
  });

  it('defaults to / on port 80 for a bare URL', () => {
    assert.deepEqual(mapComposeHealthcheck({ test: ['CMD', 'curl', '-f', 'http://localhost'] }, undefined).probe, { http: { path: '/', port: 80 } });
  });

  it('runs anything else as an exec probe: CMD as a list, CMD-SHELL and strings through the shell', () => {
    assert.deepEqual(mapComposeHealthcheck({ test: ['CMD', 'pg_isready', '-U', 'app'] }, undefined).probe, { exec: ['pg_isready', '-U', 'app'] });
    assert.deepEqual(mapComposeHealthcheck({ test: ['CMD-SHELL', 'redis-cli ping | grep PONG'] }, undefined).probe, { exec: 'redis-cli ping | grep PONG' });
    assert.deepEqual(mapComposeHealthcheck({ test: 'test -f /tmp/healthy' }, undefined).probe, { exec: 'test -f /tmp/healthy' });
  });

  it('does not treat an https URL or a remote host as a local HTTP probe', () => {
    assert.ok(mapComposeHealthcheck({ test: 'curl -f https://localhost/health' }, 443).probe?.exec !== undefined);
    assert.ok(mapComposeHealthcheck({ test: 'curl -f http://example.com/health' }, 80).probe?.exec !== undefined);
  });

  it('maps nothing for NONE or disable, and says so', () => {
    assert.equal(mapComposeHealthcheck({ test: ['NONE'] }, undefined).probe, undefined);
    assert.deepEqual(mapComposeHealthcheck({ disable: true }, undefined).notes, ['healthcheck: disabled in compose']);
  });

  it('skips a zero start_period and notes timing it cannot use', () => {
    const mapped = mapComposeHealthcheck({ test: 'true', start_period: '0s', timeout: 'soon', retries: 0, start_interval: '1s' }, undefined);
    assert.deepEqual(mapped.probe, { exec: 'true' });
    assert.equal(mapped.notes.length, 3);
    assert.match(mapped.notes[0] ?? '', /timeout: soon is not a duration/);
  });
});

describe('mapComposeHealthcheck output in a stack', () => {
  it('loads an HTTP probe that names its own port on a service without one', () => {
    const draft = createDraft(['compose.yml']);
    const service = createDraftService('app', 'compose.yml');
    setField(service, 'command', 'node app.js');
    const probe = mapComposeHealthcheck({ test: 'curl -f http://localhost:9000/ready', interval: '5s' }, undefined).probe;
    assert.ok(probe !== undefined);
    setField(service, 'ready', probe);
    draft.services.push(service);
    const { text, result } = renderAndLoad(draft);
    assert.ok(result.ok, describeFailure(result, text));
    assert.equal(result.stack.services.app?.ready?.http?.port, 9000);
  });
});
