import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { REDACTED, redactStack } from '../../src/config/redact-stack.js';
import { getSecrets } from '../../src/config/secrets.js';
import { loadText } from '../helpers/temp-stack.js';

const DB_PASSWORD = 'p@ss/w0rd!#x';
const REDIS_PASSWORD = 'r3d1s pw';

const STACK = `name: shop
services:
  db:
    recipe: postgres
    data: ./data/db
    password: \${DB_PASSWORD}
  cache:
    recipe: redis
    data: ./data/cache
    password: \${REDIS_PASSWORD}
  web:
    command: ./server --api-key \${SHORT_KEY}
    http: {}
    env:
      DATABASE_URL: "\${services.db.url}?sslmode=disable"
      REDIS_URL: \${services.cache.url}
      GREETING: hello
jobs:
  report:
    command: [./report, --key, "\${SHORT_KEY}"]
    every: 1h
`;

const ENV_FILE = `DB_PASSWORD="${DB_PASSWORD}"\nREDIS_PASSWORD="${REDIS_PASSWORD}"\nSHORT_KEY=k9\n`;

function load() {
  const result = loadText(STACK, { files: { '.env': ENV_FILE } });
  assert.ok(result.ok, JSON.stringify(result.ok ? [] : result.diagnostics, null, 2));
  return result.stack;
}

describe('redactStack', () => {
  it('the stack itself carries the secrets (so the checks below are not vacuous)', () => {
    const stack = load();
    assert.equal(stack.services.db?.password, DB_PASSWORD);
    assert.match(stack.services.web?.env.DATABASE_URL ?? '', new RegExp(encodeURIComponent(DB_PASSWORD)));
    assert.match(stack.services.web?.env.REDIS_URL ?? '', new RegExp(encodeURIComponent(REDIS_PASSWORD)));
    assert.deepEqual(stack.services.web?.command, { shell: './server --api-key k9' });
  });

  it('never prints an env-file secret, not even URL-encoded inside `${services.db.url}`', () => {
    const json = JSON.stringify(redactStack(load()));
    for (const secret of [DB_PASSWORD, REDIS_PASSWORD]) {
      assert.equal(json.includes(secret), false, `${secret} leaked`);
      assert.equal(json.includes(encodeURIComponent(secret)), false, `${secret} leaked URL-encoded`);
    }
    const web = (redactStack(load()) as { services: { web: { env: Record<string, string> } } }).services.web;
    assert.equal(web.env.DATABASE_URL, `postgresql://shop:${REDACTED}@127.0.0.1:5432/shop?sslmode=disable`);
    assert.equal(web.env.REDIS_URL, `redis://:${REDACTED}@127.0.0.1:6379`);
    assert.equal(web.env.GREETING, 'hello');
  });

  it('blanks short secrets by field path: the env-file value, and a command built from it', () => {
    const redacted = redactStack(load()) as { services: { web: { command: { shell: string }; env: Record<string, string> } }; jobs: { report: { command: { argv: string[] } } } };
    assert.equal(redacted.services.web.env.SHORT_KEY, REDACTED);
    assert.deepEqual(redacted.services.web.command, { shell: REDACTED });
    assert.deepEqual(redacted.jobs.report.command, { argv: [REDACTED, REDACTED, REDACTED] });
  });

  it('blanks values under secret-looking keys whatever they hold', () => {
    const result = loadText('services:\n  web:\n    command: x\n    env:\n      STRIPE_API_KEY: sk\n      PLAIN: sk\n');
    assert.ok(result.ok);
    const env = (redactStack(result.stack) as { services: { web: { env: Record<string, string> } } }).services.web.env;
    assert.deepEqual(env, { STRIPE_API_KEY: REDACTED, PLAIN: 'sk' });
  });

  it('records the secrets of a loaded stack, and none for an unknown object', () => {
    const stack = load();
    assert.ok(getSecrets(stack).values.has(DB_PASSWORD));
    assert.ok(getSecrets(stack).paths.has('services.db.password'));
    assert.equal(getSecrets({}).values.size, 0);
  });

  it('leaves a stack without secrets unchanged', () => {
    const result = loadText('services:\n  web:\n    command: node server.js\n    env: { MODE: production }\n');
    assert.ok(result.ok);
    assert.deepEqual(redactStack(result.stack), JSON.parse(JSON.stringify(result.stack)));
  });
});
