import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeFailure, detect, fieldOf, renderAndLoad, serviceOf } from './init-helpers.js';

const COMPOSE = `services:
  cache:
    image: redis:7
  worker:
    image: x/app
    command: celery -A app worker --broker redis://app:s3cret-broker@cache:6379/0
    healthcheck:
      test: ["CMD", "check-health", "--password=hunter22"]
    labels:
      traefik.basic.auth.password: "plain-label-pw"
`;

describe('scrubSecrets', () => {
  const draft = detect({ 'compose.yml': COMPOSE });

  it('moves credentials out of commands and probes into ${VAR} references with a comment', () => {
    assert.equal(fieldOf(draft, 'worker', 'command'), 'celery -A app worker --broker ${WORKER_SECRET}');
    assert.deepEqual(fieldOf(draft, 'worker', 'ready'), { exec: ['check-health', '--password=${WORKER_SECRET_2}'] });
    assert.match(serviceOf(draft, 'worker').fields.get('command')?.comment ?? '', /put WORKER_SECRET=\.\.\. in \.env/);
  });

  it('leaves no credential anywhere in the file, comments included, and the file loads once .env has them', () => {
    const files = { 'compose.yml': COMPOSE, '.env': 'WORKER_SECRET=redis://app:x@127.0.0.1:6379/0\nWORKER_SECRET_2=x\n' };
    const { text, result } = renderAndLoad(draft, files);
    for (const secret of ['s3cret-broker', 'hunter22', 'plain-label-pw']) assert.ok(!text.includes(secret), `${secret} leaked:\n${text}`);
    assert.ok(result.ok, describeFailure(result, text));
  });
});
