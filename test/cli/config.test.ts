import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { main } from '../../src/cli/main.js';
import { captureIo } from '../helpers/capture-io.js';
import { writeFiles } from '../helpers/temp-stack.js';

const STACK = `services:
  db:
    recipe: postgres
    data: ./data/db
    password: \${DB_PASSWORD}
  web:
    command: node server.js
    http: {}
    env:
      DATABASE_URL: \${services.db.url}
      GREETING: hello
      STRIPE_API_KEY: \${STRIPE_API_KEY}
alerts:
  - telegram: { token: "\${TG_TOKEN}", chat: "-100" }
`;

const SECRETS = { DB_PASSWORD: 'pw-0123456789', STRIPE_API_KEY: 'sk_test_abcdefghijklmnop', TG_TOKEN: '1234567890:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' };
const ENV_FILE = Object.entries(SECRETS).map(([k, v]) => `${k}=${v}`).join('\n');

describe('berth config', () => {
  it('prints the resolved stack with every secret redacted, in YAML and JSON', async () => {
    const dir = writeFiles({ 'berth.yml': STACK, '.env': ENV_FILE });
    for (const args of [['config'], ['config', '--json']]) {
      const io = captureIo(dir);
      assert.equal(await main(args, io), 0, io.err());
      const out = io.out();
      for (const secret of Object.values(SECRETS)) assert.ok(!out.includes(secret), `${secret} leaked in ${args.join(' ')}`);
      const stack = (args.includes('--json') ? JSON.parse(out) : parse(out)) as { services: { web: { env: Record<string, string> }; db: { password: string } } };
      assert.equal(stack.services.web.env.GREETING, 'hello');
      assert.equal(stack.services.web.env.STRIPE_API_KEY, '<redacted>');
      assert.equal(stack.services.db.password, '<redacted>');
      assert.match(stack.services.web.env.DATABASE_URL ?? '', /^postgresql:\/\/(\w+):<redacted>@127\.0\.0\.1:5432\/\1$/);
    }
  });

  it('shows an environment overlay with --env', async () => {
    const dir = writeFiles({ 'berth.yml': 'services:\n  web: { command: x, replicas: 1 }\nenvironments:\n  staging:\n    services: { web: { replicas: 3 } }\n' });
    const io = captureIo(dir);
    assert.equal(await main(['config', '--env', 'staging', '--json'], io), 0);
    const stack = JSON.parse(io.out()) as { environment: string; services: { web: { replicas: number } } };
    assert.equal(stack.environment, 'staging');
    assert.equal(stack.services.web.replicas, 3);
  });

  it('exits 2 with the errors when the file is invalid', async () => {
    const io = captureIo(writeFiles({ 'berth.yml': 'services: []\n' }));
    assert.equal(await main(['config'], io), 2);
    assert.match(io.err(), /BERTH_E_SCHEMA_TYPE/);
    assert.equal(io.out(), '');
  });
});
