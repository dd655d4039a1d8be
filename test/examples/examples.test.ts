import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { main } from '../../src/cli/main.js';
import { loadStack } from '../../src/config/load-stack.js';
import { captureIo } from '../helpers/capture-io.js';

const examples = join(import.meta.dirname, '..', '..', 'examples');
const copies: string[] = [];
after(() => {
  for (const dir of copies) rmSync(dir, { recursive: true, force: true });
});

function copyExample(name: string, withEnv: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), `berth-example-${name}-`));
  copies.push(dir);
  cpSync(join(examples, name), dir, { recursive: true });
  if (withEnv) cpSync(join(dir, '.env.example'), join(dir, '.env'));
  return dir;
}

describe('examples', () => {
  it('senex (field note 4) passes berth check on a fresh checkout', async () => {
    const io = captureIo(join(examples, 'senex'));
    assert.equal(await main(['check', '--strict'], io), 0, io.err());
    const result = loadStack({ file: join(examples, 'senex', 'berth.yml') });
    assert.ok(result.ok);
    const { services } = result.stack;
    assert.deepEqual(Object.keys(services).sort(), ['beat', 'postgres', 'redis', 'staticfiles', 'web', 'worker']);
    assert.equal(services.beat?.deploy.strategy, 'replace');
    assert.equal(services.web?.deploy.strategy, 'blue-green');
    assert.equal(services.web.late_env.DATABASE_URL?.[0]?.kind, 'ref', 'the postgres URL waits for the generated password');
    assert.equal(services.web.env.REDIS_URL, 'redis://127.0.0.1:6379');
  });

  it('senex staging overlays the ACME staging directory', () => {
    const result = loadStack({ file: join(examples, 'senex', 'berth.yml'), environment: 'staging' });
    assert.ok(result.ok);
    assert.equal(result.stack.edge?.tls?.acme?.directory, 'staging');
  });

  it('trading-bot (field note 3) passes berth check once its .env exists', async () => {
    const io = captureIo(copyExample('trading-bot', true));
    assert.equal(await main(['check', '--strict'], io), 0, io.err());
  });

  it('trading-bot without .env names each missing secret and where it is used', async () => {
    const io = captureIo(copyExample('trading-bot', false));
    assert.equal(await main(['check'], io), 2);
    const err = io.err();
    for (const name of ['TG_TOKEN', 'TG_CHAT_ID', 'CLIQ_WEBHOOK_URL']) assert.match(err, new RegExp(`BERTH_E_VAR_REQUIRED: variable ${name} is required`));
    assert.match(err, /3 errors, 0 warnings/);
  });

  it('trading-bot wires the one-shot migration before the bot and dashboard', () => {
    const dir = copyExample('trading-bot', true);
    const result = loadStack({ file: join(dir, 'berth.yml') });
    assert.ok(result.ok);
    const { services, jobs } = result.stack;
    assert.deepEqual(services['arb-bot']?.depends_on, { migrate: { condition: 'completed' } });
    assert.equal(services.migrate?.oneshot, true);
    assert.equal(services.spa?.static?.fallback, 'index.html');
    assert.equal(jobs['token-refresh']?.every, '5m');
    assert.ok(jobs["token-refresh"].late_env.DATABASE_URL !== undefined);
    assert.equal(result.stack.alerts.channels.length, 2);
  });
});
