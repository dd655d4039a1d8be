// Every channel against a real receiver on loopback: the webhook's JSON and signature, Slack's `{ text }`, the
// Telegram Bot API's path and payload, SMTP with a password, and an `exec:` command reading stdin.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { listChannels, type AlertMessage } from '../../src/alerts/alert-types.js';
import { main } from '../../src/cli/main.js';
import { captureIo } from '../helpers/capture-io.js';
import { collectAlertSecrets, createSecretBlanker } from '../../src/alerts/alert-secrets.js';
import { formatAlert } from '../../src/alerts/format-alert.js';
import { sendToChannel, type SendContext } from '../../src/alerts/send-to-channel.js';
import { allocatePort } from '../../src/supervisor/allocate-port.js';
import { writeFiles } from '../helpers/temp-stack.js';
import { startHttpReceiver, startSmtpReceiver, type HttpReceiver, type SmtpReceiver } from './receivers.js';

const TOKEN = '123456:tg-SECRET-token-abcdef';
const HOOK_SECRET = 'hook-SECRET-9f8e7d';
const SMTP_PASS = 'smtp-SECRET-p@ss/word';

const message: AlertMessage = { key: 'crash_loop:web', state: 'open', type: 'crash_loop', service: 'web', title: 'web is crash-looping', what: 'web keeps crashing: restarted 5 times; last: exited with code 1.', since: Date.UTC(2026, 10, 1, 14, 3, 7), time: Date.UTC(2026, 10, 1, 14, 6, 7), look: 'berth logs web -n 50' };
const alert = formatAlert(message, { stack: 'senex', host: 'vps-1' });

describe('alert channels with real receivers', () => {
  let http: HttpReceiver;
  let smtp: SmtpReceiver;
  before(async () => {
    http = await startHttpReceiver();
    smtp = await startSmtpReceiver('alerts', SMTP_PASS);
  });
  after(async () => {
    await http.close();
    await smtp.close();
  });
  const context = (channels: Parameters<typeof collectAlertSecrets>[0], dir = '/'): SendContext => ({ timeoutMs: 5000, blank: createSecretBlanker(collectAlertSecrets(channels)), cwd: dir, env: { PATH: process.env.PATH ?? '' } });

  it('webhook: POSTs the alert as JSON, signed with HMAC-SHA256 of the exact body', async () => {
    const channels = [{ webhook: { url: `${http.url}/hook`, secret: HOOK_SECRET }, all: false }];
    const [channel] = listChannels(channels);
    assert.ok(channel);
    const result = await sendToChannel(channel, alert, context(channels));
    assert.equal(result.ok, true, result.error);
    const got = http.requests.find((r) => r.path === '/hook');
    assert.ok(got);
    assert.equal(got.headers['content-type'], 'application/json');
    const expected = `sha256=${createHmac('sha256', HOOK_SECRET).update(got.body).digest('hex')}`;
    assert.equal(got.headers['x-berth-signature'], expected);
    const body = JSON.parse(got.body) as Record<string, unknown>;
    assert.equal(body.stack, 'senex');
    assert.equal(body.host, 'vps-1');
    assert.equal(body.service, 'web');
    assert.equal(body.state, 'open');
    assert.equal(body.look, 'berth logs web -n 50');
    assert.equal(body.since, '2026-11-01T14:03:07.000Z');
    assert.ok(!got.body.includes(HOOK_SECRET), 'the secret signs the body and is never in it');
  });

  it('webhook without a secret sends no signature; a 500 is a failure that names the host only', async () => {
    http.answer('/broken?key=query-SECRET-1234', 500, 'down for maintenance');
    const channels = [{ webhook: { url: `${http.url}/plain` }, all: false }, { webhook: { url: `${http.url}/broken?key=query-SECRET-1234` }, all: false }];
    const [plain, broken] = listChannels(channels);
    assert.ok(plain && broken);
    assert.equal((await sendToChannel(plain, alert, context(channels))).ok, true);
    assert.equal(http.requests.find((r) => r.path === '/plain')?.headers['x-berth-signature'], undefined);
    const failed = await sendToChannel(broken, alert, context(channels));
    assert.equal(failed.ok, false);
    assert.equal(failed.channel, '2:webhook');
    assert.match(failed.error ?? '', /^127\.0\.0\.1:\d+ answered HTTP 500: down for maintenance$/);
  });

  it('slack: POSTs `{ text }` with the subject in bold', async () => {
    const channels = [{ slack: { url: `${http.url}/services/T000/B000/slack-SECRET-xyz` }, all: false }];
    const [channel] = listChannels(channels);
    assert.ok(channel);
    assert.equal((await sendToChannel(channel, alert, context(channels))).ok, true);
    const got = http.requests.find((r) => r.path === '/services/T000/B000/slack-SECRET-xyz');
    assert.ok(got);
    const body = JSON.parse(got.body) as { text: string };
    assert.deepEqual(Object.keys(body), ['text']);
    assert.match(body.text, /^\*\[senex@vps-1\] ALERT: web is crash-looping\*\n/);
    assert.match(body.text, /Look: {4}berth logs web -n 50/);
  });

  it('telegram: sendMessage on /bot<token>/ with chat_id and text; a refusal is a failure without the token', async () => {
    const channels = [{ telegram: { token: TOKEN, chat: -1001234, api: http.url }, all: false }];
    const [channel] = listChannels(channels);
    assert.ok(channel);
    assert.equal((await sendToChannel(channel, alert, context(channels))).ok, true);
    const got = http.requests.find((r) => r.path === `/bot${TOKEN}/sendMessage`);
    assert.ok(got, http.requests.map((r) => r.path).join(', '));
    const body = JSON.parse(got.body) as { chat_id: number; text: string };
    assert.equal(body.chat_id, -1001234);
    assert.equal(body.text, alert.text);

    http.answer(`/bot${TOKEN}/sendMessage`, 401, JSON.stringify({ ok: false, error_code: 401, description: `Unauthorized for ${TOKEN}` }));
    const refused = await sendToChannel(channel, alert, context(channels));
    assert.equal(refused.ok, false);
    assert.match(refused.error ?? '', /answered HTTP 401/);
    assert.ok(!(refused.error ?? '').includes(TOKEN) && !(refused.error ?? '').includes('tg-SECRET'), refused.error);
  });

  it('email: SMTP with user and password from the URL; a wrong password fails without printing it', async () => {
    const channels = [{ email: { to: ['ops@example.com', 'dev@example.com'], smtp: `smtp://alerts:${encodeURIComponent(SMTP_PASS)}@127.0.0.1:${String(smtp.port)}`, from: 'berth@example.com' }, all: false }];
    const [channel] = listChannels(channels);
    assert.ok(channel);
    const result = await sendToChannel(channel, alert, context(channels));
    assert.equal(result.ok, true, result.error);
    const mail = smtp.mails.at(-1);
    assert.ok(mail);
    assert.equal(mail.user, 'alerts');
    assert.equal(mail.from, 'berth@example.com');
    assert.deepEqual(mail.to, ['ops@example.com', 'dev@example.com']);
    assert.match(mail.data, /Subject: \[senex@vps-1\] ALERT: web is crash-looping/);
    assert.match(mail.data, /berth logs web -n 50/);

    const wrong = [{ email: { to: 'ops@example.com', smtp: `smtp://alerts:wrong-SECRET-pass@127.0.0.1:${String(smtp.port)}` }, all: false }];
    const [bad] = listChannels(wrong);
    assert.ok(bad);
    const failed = await sendToChannel(bad, alert, context(wrong));
    assert.equal(failed.ok, false);
    assert.match(failed.error ?? '', /^email: /);
    assert.ok(!(failed.error ?? '').includes('wrong-SECRET-pass'), failed.error);
  });

  it('email: a server that is not there fails within the deadline', async () => {
    const port = await allocatePort();
    const channels = [{ email: { to: 'ops@example.com', smtp: `smtp://127.0.0.1:${String(port)}` }, all: false }];
    const [channel] = listChannels(channels);
    assert.ok(channel);
    const result = await sendToChannel(channel, alert, context(channels));
    assert.equal(result.ok, false);
    assert.ok(result.ms < 5000 + 2000, String(result.ms));
  });

  it('exec: the command gets the alert as JSON on stdin; a non-zero exit is a failure with its output', async () => {
    const dir = writeFiles({});
    const channels = [{ exec: 'cat > got.json', all: false }, { exec: ['sh', '-c', 'echo "no route to pager" >&2; exit 3'], all: false }];
    const [good, bad] = listChannels(channels);
    assert.ok(good && bad);
    assert.equal((await sendToChannel(good, alert, context(channels, dir))).ok, true);
    const got = JSON.parse(readFileSync(join(dir, 'got.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(got.key, 'crash_loop:web');
    assert.equal(got.text, alert.text);
    const failed = await sendToChannel(bad, alert, context(channels, dir));
    assert.equal(failed.ok, false);
    assert.equal(failed.error, 'exec: exited with code 3: no route to pager');
  });

  it('exec: a command that hangs is killed at the deadline', async () => {
    const channels = [{ exec: 'sleep 30', all: false }];
    const [channel] = listChannels(channels);
    assert.ok(channel);
    const result = await sendToChannel(channel, alert, { ...context(channels), timeoutMs: 300 });
    assert.equal(result.ok, false);
    assert.match(result.error ?? '', /did not finish within 300 ms/);
    assert.ok(result.ms < 5000, String(result.ms));
  });

  it('`berth alerts test` without a daemon sends from the command itself: every channel, each result, exit 0 when all took it', async () => {
    const dir = writeFiles({
      'berth.yml': `name: shop
services:
  web: { command: sleep 1 }
alerts:
  - webhook: { url: "${http.url}/offline-hook" }
  - email: { to: ops@example.com, smtp: "smtp://alerts:${encodeURIComponent(SMTP_PASS)}@127.0.0.1:${String(smtp.port)}" }
  - exec: "cat > test.json"
`,
    });
    const before = smtp.mails.length;
    const io = captureIo(dir, { PATH: process.env.PATH ?? '' });
    assert.equal(await main(['alerts', 'test'], io), 0, io.err());
    assert.match(io.out(), /^1:webhook +ok +\d+ ms\n2:email +ok +\d+ ms\n3:exec +ok +\d+ ms$/);
    assert.equal(smtp.mails.length, before + 1);
    assert.match(smtp.mails.at(-1)?.data ?? '', /TEST: a test message from Berth/);
    assert.equal((JSON.parse(readFileSync(join(dir, 'test.json'), 'utf8')) as { state: string }).state, 'test');
    assert.ok(!io.out().includes('SECRET') && !io.err().includes('SECRET'));

    const none = writeFiles({ 'berth.yml': 'services:\n  web: { command: sleep 1 }\n' });
    const empty = captureIo(none, { PATH: process.env.PATH ?? '' });
    assert.equal(await main(['alerts', 'test'], empty), 2);
    assert.match(empty.err(), /BERTH_E_ALERT_NONE: no alert channels are configured in /);
  });
});
