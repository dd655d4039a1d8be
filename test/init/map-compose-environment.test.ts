import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mapComposeEnvironment, readComposeEnvironment, type ServiceDirectory } from '../../src/init/map-compose-environment.js';

const directory: ServiceDirectory = new Map([
  ['db', { name: 'db', recipe: 'postgres' as const }],
  ['cache', { name: 'cache', recipe: 'redis' as const }],
  ['api', { name: 'api' }],
]);

function mapEnv(raw: unknown) {
  return mapComposeEnvironment(readComposeEnvironment(raw).entries, directory, 'compose.yml');
}

describe('mapComposeEnvironment', () => {
  it('replaces literal secrets by key or by shape with ${KEY} and a comment', () => {
    const mapped = mapEnv({ STRIPE_SECRET_KEY: 'sk_live_abcdefghijklmnop1234', WEBHOOK: 'ghp_abcdefghijklmnopqrstuvwxyz0123456789', EXTERNAL_DB: 'postgres://u:pw@db.example.com/app', JWT_SECRET: '${JWT_SECRET}' });
    assert.deepEqual(mapped.env, { STRIPE_SECRET_KEY: '${STRIPE_SECRET_KEY}', WEBHOOK: '${WEBHOOK}', EXTERNAL_DB: '${EXTERNAL_DB}', JWT_SECRET: '${JWT_SECRET}' });
    assert.match(mapped.comments.STRIPE_SECRET_KEY ?? '', /not copied: compose\.yml has this secret literally; put STRIPE_SECRET_KEY=\.\.\. in \.env/);
    assert.equal(mapped.comments.JWT_SECRET, undefined, 'a reference is not a literal');
  });

  it('points URLs at other compose services to Berth references', () => {
    const mapped = mapEnv(['REDIS_URL=redis://cache:6379/0', 'DATABASE_URL=postgresql://app:pw@db:5432/app?sslmode=disable', 'API_URL=http://api:8080/v1', 'API_HOST=api']);
    assert.deepEqual(mapped.env, {
      REDIS_URL: '${services.cache.url}',
      DATABASE_URL: '${services.db.url}?sslmode=disable',
      API_URL: 'http://${services.api.host}:8080/v1',
      API_HOST: '${services.api.host}',
    });
  });

  it('keeps numbers and booleans, braces bare $VARS, and notes names Berth cannot use', () => {
    const mapped = mapEnv({ WORKERS: 4, DEBUG: false, GREETING: 'hi $USER', 'bad-name': 'x' });
    assert.deepEqual(mapped.env, { WORKERS: 4, DEBUG: false, GREETING: 'hi ${USER}' });
    assert.deepEqual(mapped.notes, ['environment bad-name: not a valid variable name for Berth']);
  });
});
