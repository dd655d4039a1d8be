import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectCompose } from '../../src/init/detect-compose.js';
import { createMemoryFiles } from '../../src/init/project-files.js';
import { BACKEND_FILES, TRADING_FILES } from './fixtures.js';
import { describeFailure, detect, fieldOf, renderAndLoad, serviceOf } from './init-helpers.js';

describe('detectCompose: field note 3 (trading bot)', () => {
  const draft = detect(TRADING_FILES);

  it('keeps the app services in compose order and drops nginx and certbot with reasons', () => {
    assert.deepEqual(draft.services.map((s) => s.name), ['postgres', 'arb-bot', 'dashboard', 'token-refresher']);
    assert.deepEqual(draft.dropped.map((d) => [d.name, d.kind]), [['nginx', 'proxy'], ['certbot', 'certbot']]);
    assert.match(draft.dropped[0]?.reason ?? '', /built-in edge/);
  });

  it('maps postgres:16-alpine to the postgres recipe without copying the literal password', () => {
    assert.equal(fieldOf(draft, 'postgres', 'recipe'), 'postgres');
    assert.equal(fieldOf(draft, 'postgres', 'data'), './data/postgres');
    assert.equal(fieldOf(draft, 'postgres', 'database'), 'trading');
    assert.equal(fieldOf(draft, 'postgres', 'user'), 'trading');
    assert.equal(fieldOf(draft, 'postgres', 'password'), '${POSTGRES_PASSWORD}');
    assert.match(serviceOf(draft, 'postgres').fields.get('password')?.comment ?? '', /put POSTGRES_PASSWORD=\.\.\. in \.env/);
    assert.equal(fieldOf(draft, 'postgres', 'ready'), undefined, 'the recipe probes postgres itself');
  });

  it('rewrites URLs to the compose postgres service into ${services.postgres.url}', () => {
    const env = fieldOf(draft, 'arb-bot', 'env') as Record<string, unknown>;
    assert.equal(env.DATABASE_URL, '${services.postgres.url}');
    assert.equal(env.CLIQ_ENABLED, 'true');
    assert.equal(fieldOf(draft, 'arb-bot', 'command'), 'python -m arb_bot');
    assert.equal(fieldOf(draft, 'arb-bot', 'env_file'), '.env');
  });

  it('maps service_healthy to ready and a plain list to a list', () => {
    assert.deepEqual(fieldOf(draft, 'arb-bot', 'depends_on'), { postgres: 'ready' });
    assert.deepEqual(fieldOf(draft, 'token-refresher', 'depends_on'), ['postgres']);
  });

  it('turns the dashboard curl healthcheck into an HTTP ready probe with converted timing', () => {
    assert.deepEqual(fieldOf(draft, 'dashboard', 'ready'), { http: '/api/health', interval: '30s', timeout: '5s', failures: 3, start_timeout: '90s' });
    assert.equal(fieldOf(draft, 'dashboard', 'port'), 8080, 'uvicorn --port 8080');
    assert.match(serviceOf(draft, 'dashboard').fields.get('command')?.comment ?? '', /binds 0\.0\.0\.0/);
  });

  it('replaces a literal token with a reference', () => {
    const env = fieldOf(draft, 'dashboard', 'env') as Record<string, unknown>;
    assert.equal(env.DHAN_API_TOKEN, '${DHAN_API_TOKEN}');
  });

  it('writes a comment for every key it could not map, and never a literal secret', () => {
    const { text, result } = renderAndLoad(draft, TRADING_FILES);
    assert.ok(result.ok, describeFailure(result, text));
    for (const line of ['# not mapped: networks: ["trading-net"]', '# not mapped: volumes: [".:/app","bot_logs:/app/logs"]', 'not mapped: volume ./db holds init scripts', 'not mapped: healthcheck:', 'nginx (nginx:alpine): Berth\'s built-in edge', '# routes: [{ host: app.example.com }]   # nginx fronted this service']) {
      assert.ok(text.includes(line), `missing ${JSON.stringify(line)} in\n${text}`);
    }
    assert.ok(!text.includes('hunter2-literal-pw'), 'the compose password leaked into berth.yml');
    assert.ok(!text.includes('literal-token'), 'the compose token leaked into berth.yml');
    assert.equal(result.stack.services.dashboard?.ready?.kind, 'http');
    assert.equal(result.stack.services['arb-bot']?.depends_on.postgres?.condition, 'ready');
  });
});

describe('detectCompose: field note 5 (backend with a shared image)', () => {
  const draft = detect(BACKEND_FILES);

  it('takes the compose project name and drops caddy for the edge', () => {
    assert.equal(draft.name?.value, 'aspectavy');
    assert.deepEqual(draft.services.map((s) => s.name), ['db', 'api', 'worker', 'migrate']);
    assert.deepEqual(draft.dropped.map((d) => [d.name, d.kind, d.upstreams]), [['caddy', 'proxy', ['api']]]);
  });

  it('keeps ${VAR:-default} references of the postgres image and leaves the standard port implicit', () => {
    assert.equal(fieldOf(draft, 'db', 'database'), '${POSTGRES_DB:-aspectavy}');
    assert.equal(fieldOf(draft, 'db', 'password'), '${POSTGRES_PASSWORD}');
    assert.equal(fieldOf(draft, 'db', 'port'), undefined);
    assert.ok(serviceOf(draft, 'db').notes.some((n) => n.includes('${POSTGRES_VOLUME_NAME:-aspectavy_pg}:/var/lib/postgresql/data held the data')));
  });

  it('maps api: build context as cwd, container port, wget probe, anchored env merged in, completed dependency', () => {
    assert.deepEqual(fieldOf(draft, 'api', 'command'), ['node', 'dist/server.js']);
    assert.equal(fieldOf(draft, 'api', 'cwd'), 'apps/backend');
    assert.equal(fieldOf(draft, 'api', 'port'), 3001);
    assert.match(serviceOf(draft, 'api').fields.get('port')?.comment ?? '', /127\.0\.0\.1:\$\{API_PORT:-3001\}:3001/);
    assert.deepEqual(fieldOf(draft, 'api', 'ready'), { http: '/livez', interval: '15s', timeout: '3s', failures: 5, start_timeout: '20s' });
    assert.deepEqual(fieldOf(draft, 'api', 'depends_on'), { db: 'ready', migrate: 'completed' });
    const env = fieldOf(draft, 'api', 'env') as Record<string, unknown>;
    assert.equal(env.DATABASE_URL, '${services.db.url}');
    assert.equal(env.NODE_ENV, 'production');
    assert.equal(env.SESSION_SECRET, '${SESSION_SECRET}');
    assert.equal(env.PORT, 3001);
  });

  it('runs worker and migrate from the image api builds, each with its own command', () => {
    assert.deepEqual(fieldOf(draft, 'worker', 'command'), ['node', 'dist/worker.js']);
    assert.equal(fieldOf(draft, 'worker', 'cwd'), 'apps/backend');
    assert.equal(fieldOf(draft, 'migrate', 'command'), 'npm run migrate');
    assert.equal(fieldOf(draft, 'migrate', 'cwd'), 'apps/backend');
    assert.deepEqual(fieldOf(draft, 'worker', 'depends_on'), { db: 'ready', api: 'started' });
    assert.deepEqual(fieldOf(draft, 'worker', 'ready'), { exec: ['node', 'dist/healthcheck-worker.js'], interval: '1m', timeout: '10s', failures: 3 });
    assert.deepEqual(fieldOf(draft, 'worker', 'stop'), { timeout: '90s' });
  });

  it('marks migrate oneshot because api waits for it to complete, and maps restart "no" to never', () => {
    assert.equal(fieldOf(draft, 'migrate', 'oneshot'), true);
    assert.equal(fieldOf(draft, 'migrate', 'restart'), 'never');
    assert.equal(fieldOf(draft, 'api', 'restart'), undefined, 'unless-stopped is Berth\'s default');
  });

  it('renders a file the loader accepts, with the dependency conditions intact', () => {
    const { text, result } = renderAndLoad(draft, BACKEND_FILES);
    assert.ok(result.ok, describeFailure(result, text));
    assert.equal(result.stack.services.api?.depends_on.migrate?.condition, 'completed');
    assert.equal(result.stack.services.migrate?.oneshot, true);
    assert.equal(result.stack.services.worker?.stop.timeout, '90s');
    assert.ok(!text.includes('dev-session-secret-change-me'));
    assert.match(text, /compose built the image from apps\/backend\/Dockerfile; its RUN steps: npm ci && npm run build/);
  });
});

describe('detectCompose: smaller cases', () => {
  const compose = (text: string, extra: Readonly<Record<string, string>> = {}) => detect({ 'docker-compose.yml': text, ...extra });

  it('reports unparseable YAML as BERTH_E_INIT_SOURCE naming the file', () => {
    const result = detectCompose('services:\n  web:\n    command: [unclosed\n', 'docker-compose.yml', createMemoryFiles({}));
    assert.equal(result.ok, false);
    assert.ok(!result.ok);
    assert.equal(result.diagnostic.code, 'BERTH_E_INIT_SOURCE');
    assert.match(result.diagnostic.message, /^cannot read docker-compose\.yml: /);
  });

  it('reports a file without services as BERTH_E_INIT_SOURCE', () => {
    const result = detectCompose('version: "3"\n', 'compose.yml', createMemoryFiles({}));
    assert.ok(!result.ok);
    assert.match(result.diagnostic.message, /no `services:` mapping/);
  });

  it('reads list-form environment, passes shell variables through as references', () => {
    const draft = compose('services:\n  app:\n    image: python:3.12\n    command: python app.py\n    environment:\n      - MODE=live\n      - HOME_DIR\n      - DB_HOST=db\n  db:\n    image: postgres:16\n');
    const env = fieldOf(draft, 'app', 'env') as Record<string, unknown>;
    assert.deepEqual(env, { MODE: 'live', HOME_DIR: '${HOME_DIR}', DB_HOST: '${services.db.host}' });
    assert.match(serviceOf(draft, 'app').fields.get('env')?.entryComments?.HOME_DIR ?? '', /passed HOME_DIR through from the shell/);
  });

  it('combines entrypoint and command, and braces bare $VARS compose would substitute', () => {
    const draft = compose('services:\n  app:\n    image: x/app\n    entrypoint: ["python", "-m"]\n    command: app.main --env $APP_ENV\n');
    assert.deepEqual(fieldOf(draft, 'app', 'command'), ['python', '-m', 'app.main', '--env', '${APP_ENV}']);
    assert.equal(serviceOf(draft, 'app').fields.get('command')?.comment?.startsWith('compose entrypoint + command'), true);
  });

  it('maps redis with a literal requirepass to a reference and keeps other flags as args', () => {
    const draft = compose('services:\n  cache:\n    image: redis:7-alpine\n    command: redis-server --requirepass s3cret-pw --maxmemory 256mb --appendfsync always\n');
    assert.equal(fieldOf(draft, 'cache', 'recipe'), 'redis');
    assert.equal(fieldOf(draft, 'cache', 'password'), '${REDIS_PASSWORD}');
    assert.deepEqual(fieldOf(draft, 'cache', 'args'), ['--maxmemory', '256mb']);
    assert.equal(fieldOf(draft, 'cache', 'appendfsync'), 'always');
    const { text, result } = renderAndLoad(draft, { '.env': 'REDIS_PASSWORD=x\n' });
    assert.ok(result.ok, describeFailure(result, text));
    assert.deepEqual(result.stack.services.cache?.args, ['--maxmemory', '256mb']);
  });

  it('turns postgres -c flags into settings', () => {
    const draft = compose('services:\n  db:\n    image: postgres:15\n    command: postgres -c max_connections=200 -c shared_buffers=256MB\n');
    assert.deepEqual(fieldOf(draft, 'db', 'settings'), { max_connections: 200, shared_buffers: '256MB' });
    const { text, result } = renderAndLoad(draft);
    assert.ok(result.ok, describeFailure(result, text));
  });

  it('names the database after POSTGRES_USER when POSTGRES_DB is missing, as the image does', () => {
    const draft = compose('services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_USER: shop\n  bare:\n    image: postgres:16\n    ports: ["5433:5432"]\n');
    assert.equal(fieldOf(draft, 'db', 'database'), 'shop');
    assert.equal(fieldOf(draft, 'bare', 'database'), undefined);
    assert.ok(serviceOf(draft, 'bare').notes.some((n) => n.includes('the image uses `postgres` for both')));
    assert.equal(fieldOf(draft, 'bare', 'port'), 5433, 'two postgres recipes cannot share 5432: the published host port is used');
    assert.match(serviceOf(draft, 'bare').fields.get('port')?.comment ?? '', /5432 is taken by db/);
    const { text, result } = renderAndLoad(draft);
    assert.ok(result.ok, describeFailure(result, text));
  });

  it('waits only for start on a dependency that cannot show readiness, and says so', () => {
    const draft = compose('services:\n  worker:\n    image: x/app\n    command: node worker.js\n  web:\n    image: x/app\n    command: node web.js\n    depends_on: [worker]\n');
    assert.deepEqual(fieldOf(draft, 'web', 'depends_on'), { worker: 'started' });
    assert.match(serviceOf(draft, 'web').fields.get('depends_on')?.entryComments?.worker ?? '', /no ready probe or port/);
    const { text, result } = renderAndLoad(draft);
    assert.ok(result.ok, describeFailure(result, text));
  });

  it('drops an image it cannot run natively, and the dependency on it, with comments', () => {
    const draft = compose('services:\n  queue:\n    image: rabbitmq:3-management\n  app:\n    image: x/app\n    command: node app.js\n    depends_on: [queue]\n');
    assert.deepEqual(draft.services.map((s) => s.name), ['app']);
    assert.match(draft.dropped[0]?.reason ?? '', /image rabbitmq:3-management with no command/);
    assert.equal(fieldOf(draft, 'app', 'depends_on'), undefined);
    assert.ok(serviceOf(draft, 'app').notes.some((n) => n.startsWith('not mapped: depends_on queue')));
    const { text, result } = renderAndLoad(draft);
    assert.ok(result.ok, describeFailure(result, text));
  });

  it('gives a clashing container port to the first service only', () => {
    const draft = compose('services:\n  a:\n    image: x/a\n    command: a\n    ports: ["8080:8080"]\n  b:\n    image: x/b\n    command: b\n    ports: ["9090:8080"]\n');
    assert.equal(fieldOf(draft, 'a', 'port'), 8080);
    assert.equal(fieldOf(draft, 'b', 'port'), undefined);
    assert.ok(serviceOf(draft, 'b').notes.some((n) => n.includes('a uses it too')));
    const { text, result } = renderAndLoad(draft);
    assert.ok(result.ok, describeFailure(result, text));
  });

  it('maps restart policies, replicas and stop settings, and notes resource limits', () => {
    const draft = compose('services:\n  a:\n    image: x/a\n    command: a\n    restart: on-failure:5\n    stop_signal: INT\n    deploy:\n      replicas: 3\n      resources:\n        limits: { memory: 512m }\n');
    assert.equal(fieldOf(draft, 'a', 'restart'), 'on-failure');
    assert.equal(fieldOf(draft, 'a', 'replicas'), 3);
    assert.deepEqual(fieldOf(draft, 'a', 'stop'), { signal: 'SIGINT' });
    assert.ok(serviceOf(draft, 'a').notes.some((n) => n.startsWith('not mapped: deploy.resources (Berth does not limit resources)')));
    const { text, result } = renderAndLoad(draft);
    assert.ok(result.ok, describeFailure(result, text));
    assert.equal(result.stack.services.a?.stop.signal, 'SIGINT');
  });

  it('renames compose names Berth does not allow and keeps references pointing at them', () => {
    const draft = compose('services:\n  Web.App:\n    image: x/a\n    command: a\n    ports: ["3000"]\n  job:\n    image: x/a\n    command: b\n    depends_on: [Web.App]\n');
    assert.deepEqual(draft.services.map((s) => s.name), ['web-app', 'job']);
    assert.deepEqual(fieldOf(draft, 'job', 'depends_on'), ['web-app']);
  });

  it('takes the command from the Dockerfile when compose gives none', () => {
    const draft = compose('services:\n  app:\n    build: .\n', { Dockerfile: 'FROM node:20\nENTRYPOINT ["node"]\nCMD ["server.js"]\n' });
    assert.deepEqual(fieldOf(draft, 'app', 'command'), ['node', 'server.js']);
    assert.equal(serviceOf(draft, 'app').fields.get('command')?.comment, 'from Dockerfile ENTRYPOINT + Dockerfile CMD');
  });

  it('prefers compose.yaml over docker-compose.yml and notes the other and the override file', () => {
    const app = (cmd: string) => `services:\n  app:\n    image: x/a\n    command: ${cmd}\n`;
    const draft = detect({ 'compose.yaml': app('from-compose-yaml'), 'docker-compose.yml': app('from-docker-compose'), 'docker-compose.override.yml': app('override') });
    assert.equal(fieldOf(draft, 'app', 'command'), 'from-compose-yaml');
    assert.ok(draft.notes.some((n) => n.startsWith('docker-compose.yml was not read')));
    assert.ok(draft.notes.some((n) => n.startsWith('docker-compose.override.yml was not merged in')));
  });
});
