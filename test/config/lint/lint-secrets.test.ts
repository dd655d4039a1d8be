import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isTrackedByGit } from '../../../src/cli/load-for-cli.js';
import { loadStack } from '../../../src/config/load-stack.js';
import { diagnosticsOf, loadText, only, position, writeFiles } from '../../helpers/temp-stack.js';

const secretWarnings = (result: Parameters<typeof diagnosticsOf>[0]) => diagnosticsOf(result).filter((d) => d.code === 'BERTH_W_SECRET_LITERAL');

describe('lint: secret-looking literals (BERTH_W_SECRET_LITERAL)', () => {
  it('warns by key name, never shows the value, and names the variable to move it to', () => {
    const result = loadText('services:\n  web:\n    command: ./web\n    env:\n      STRIPE_API_KEY: sk-not-a-known-shape\n');
    assert.ok(result.ok);
    const d = only(result, 'BERTH_W_SECRET_LITERAL');
    assert.equal(d.severity, 'warning');
    assert.equal(d.path, 'services.web.env.STRIPE_API_KEY');
    assert.equal(position(d), '5:23');
    assert.equal(d.message, '`services.web.env.STRIPE_API_KEY` looks like a secret written into the stack file');
    assert.equal(d.expected, '${WEB_STRIPE_API_KEY} with the value in .env');
    assert.equal(d.found, 'a literal value (not shown)');
    assert.match(d.hint, /`WEB_STRIPE_API_KEY=\.\.\.` in \.env/);
    assert.equal(JSON.stringify(d).includes('sk-not-a-known-shape'), false);
  });

  it('warns on a recipe password, suggesting DB_PASSWORD', () => {
    const d = only(loadText('services:\n  db:\n    recipe: postgres\n    data: ./data/db\n    password: hunter2hunter2\n'), 'BERTH_W_SECRET_LITERAL');
    assert.equal(d.path, 'services.db.password');
    assert.equal(position(d), '5:15');
    assert.equal(d.expected, '${DB_PASSWORD} with the value in .env');
  });

  it('warns by shape under an innocent key: a postgres URL with a password, a Telegram bot token', () => {
    const result = loadText(`services:
  web:
    command: ./web
    env:
      DATABASE_URL: postgres://app:hunter2@127.0.0.1:5432/app
      BOT: "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"
alerts:
  - telegram: { token: "987654321:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0", chat: "-1001234" }
`);
    assert.ok(result.ok);
    const found = secretWarnings(result).map((d) => `${d.path ?? ''}@${position(d)}`);
    assert.deepEqual(found, ['services.web.env.DATABASE_URL@5:21', 'services.web.env.BOT@6:12', 'alerts[0].telegram.token@8:24']);
  });

  it('warns on a password in a URL inside a command, and on a literal password next to a `${VAR}`', () => {
    const result = loadText('services:\n  web:\n    command: psql postgres://app:hunter2@db/app -c "select 1"\n    env:\n      DATABASE_URL: postgres://app:hunter2@${DB_HOST}/app\n', { files: { '.env': 'DB_HOST=10.0.0.5\n' } });
    assert.deepEqual(secretWarnings(result).map((d) => d.path), ['services.web.command', 'services.web.env.DATABASE_URL']);
  });

  it('does not fire on `${VAR}` values, URLs without a password, empty values, or `_FILE` paths', () => {
    const result = loadText(`services:
  db:
    recipe: postgres
    data: ./data/db
    password: \${DB_PASSWORD}
  web:
    command: ./web
    env:
      DATABASE_URL: postgres://app@127.0.0.1:5432/app
      API_TOKEN: \${API_TOKEN:-}
      CONN: postgres://\${DB_USER}:\${DB_PASSWORD}@127.0.0.1/app
      GITHUB_TOKEN: ""
      DB_PASSWORD_FILE: /run/secrets/db
      GREETING: hello
alerts:
  - telegram: { token: "\${TG_TOKEN}", chat: "-1001234" }
`, { files: { '.env': 'DB_PASSWORD=pw-from-env\nDB_USER=app\nTG_TOKEN=123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0\n' } });
    assert.ok(result.ok, JSON.stringify(diagnosticsOf(result), null, 2));
    assert.deepEqual(secretWarnings(result), []);
  });

  it('reports a literal in an `environments:` block once, even when that environment is overlaid', () => {
    const text = 'services:\n  web:\n    command: ./web\nenvironments:\n  prod:\n    services:\n      web:\n        env: { API_TOKEN: abc123abc123 }\n';
    for (const environment of [undefined, 'prod']) {
      const warnings = secretWarnings(loadText(text, { environment }));
      assert.equal(warnings.length, 1, `environment ${String(environment)}`);
      assert.equal(position(warnings[0]!), '8:27');
      assert.equal(warnings[0]?.expected, '${WEB_API_TOKEN} with the value in .env');
    }
  });
});

describe('lint: env files tracked by git (BERTH_W_ENV_FILE_TRACKED)', () => {
  const git = (dir: string, ...args: string[]) => {
    const result = spawnSync('git', args, { cwd: dir, encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
  };
  const files = { 'berth.yml': 'env_file: .env\nservices:\n  web:\n    command: ./web --token ${TOKEN}\n', '.env': 'TOKEN=abcdef\n' };

  it('warns when git tracks the env file, pointing at the env file itself', () => {
    const dir = writeFiles(files);
    git(dir, 'init', '-q');
    git(dir, 'add', '.env');
    const result = loadStack({ file: join(dir, 'berth.yml'), isTrackedByGit });
    assert.ok(result.ok);
    const d = only(result, 'BERTH_W_ENV_FILE_TRACKED');
    assert.equal(d.severity, 'warning');
    assert.equal(d.location?.file, join(dir, '.env'));
    assert.equal(position(d), '1:1');
    assert.equal(d.message, 'env file .env is tracked by git');
    assert.equal(d.found, 'tracked by git');
    assert.match(d.hint, /git rm --cached \.env/);
  });

  it('reports a tracked file once when the stack and a service both name it', () => {
    const dir = writeFiles({ ...files, 'berth.yml': 'env_file: .env\nservices:\n  web:\n    command: ./web\n    env_file: [.env]\n' });
    git(dir, 'init', '-q');
    git(dir, 'add', '.env');
    only(loadStack({ file: join(dir, 'berth.yml'), isTrackedByGit }), 'BERTH_W_ENV_FILE_TRACKED');
  });

  it('does not fire for an untracked env file in a repository, outside a repository, or without the git check', () => {
    const dir = writeFiles(files);
    git(dir, 'init', '-q');
    git(dir, 'add', 'berth.yml');
    const tracked = loadStack({ file: join(dir, 'berth.yml'), isTrackedByGit });
    assert.deepEqual(diagnosticsOf(tracked), []);
    const plain = writeFiles(files);
    assert.deepEqual(diagnosticsOf(loadStack({ file: join(plain, 'berth.yml'), isTrackedByGit })), []);
    const committed = writeFiles(files);
    git(committed, 'init', '-q');
    git(committed, 'add', '.env');
    assert.deepEqual(diagnosticsOf(loadStack({ file: join(committed, 'berth.yml') })), []);
  });
});
