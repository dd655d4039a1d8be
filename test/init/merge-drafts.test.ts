import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeFailure, detect, fieldOf, renderAndLoad, serviceOf } from './init-helpers.js';

const PACKAGE = JSON.stringify({ name: 'shop', scripts: { start: 'node server.js', build: 'vite build' } });
const BACKING_COMPOSE = 'services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: ${DB_PASSWORD}\n  cache:\n    image: redis:7\n';

describe('mergeDrafts', () => {
  it('adds the package.json web service beside compose backing services, and says where each came from', () => {
    const files = { 'docker-compose.yml': BACKING_COMPOSE, 'package.json': PACKAGE, '.env': 'DB_PASSWORD=x\n' };
    const draft = detect(files);
    assert.deepEqual(draft.services.map((s) => [s.name, s.source]), [['db', 'docker-compose.yml'], ['cache', 'docker-compose.yml'], ['web', 'package.json']]);
    assert.deepEqual(draft.sources, ['docker-compose.yml', 'package.json']);
    assert.equal(draft.name?.value, 'shop');
    const { text, result } = renderAndLoad(draft, files);
    assert.ok(result.ok, describeFailure(result, text));
    assert.match(text, /# from package\.json\n {2}web:/);
    assert.match(text, /# from docker-compose\.yml\n {2}db:/);
  });

  it('fills in the command of a compose service built here from package.json, instead of adding web twice', () => {
    const files = { 'compose.yml': 'services:\n  app:\n    build: .\n    ports: ["3000:3000"]\n', 'package.json': PACKAGE };
    const draft = detect(files);
    assert.deepEqual(draft.services.map((s) => s.name), ['app']);
    assert.equal(fieldOf(draft, 'app', 'command'), 'npm start');
    assert.match(serviceOf(draft, 'app').fields.get('command')?.comment ?? '', /from package\.json web/);
    assert.deepEqual(fieldOf(draft, 'app', 'build'), { command: 'npm run build', inputs: ['package.json'] });
    assert.equal(fieldOf(draft, 'app', 'port'), 3000);
    assert.equal(fieldOf(draft, 'app', 'http'), undefined, 'a fixed port is kept; http: {} would add a second one');
    const { text, result } = renderAndLoad(draft, files);
    assert.ok(result.ok, describeFailure(result, text));
  });

  it('lets compose win for a name it defines, and notes the Procfile process it did not add', () => {
    const draft = detect({ 'compose.yml': 'services:\n  worker:\n    image: x/app\n    command: celery -A app worker\n', Procfile: 'worker: rq worker\n' });
    assert.equal(fieldOf(draft, 'worker', 'command'), 'celery -A app worker');
    assert.ok(draft.notes.includes('Procfile `worker` not added: compose.yml defines worker'));
  });

  it('does not add Procfile processes when compose already runs this folder', () => {
    const draft = detect({ 'compose.yml': 'services:\n  api:\n    build: .\n    command: gunicorn app:app\n', Procfile: 'web: gunicorn app:app\nrelease: ./migrate.sh\n' });
    assert.deepEqual(draft.services.map((s) => s.name), ['api']);
    assert.ok(draft.notes.some((n) => n.startsWith('Procfile `web` not added: compose.yml already runs this folder as api; its release command was not attached: ./migrate.sh')));
  });

  it('attaches the package.json build to the Procfile web process', () => {
    const draft = detect({ Procfile: 'web: node server.js\n', 'package.json': PACKAGE });
    assert.equal(serviceOf(draft, 'web').source, 'Procfile');
    assert.deepEqual(fieldOf(draft, 'web', 'build'), { command: 'npm run build', inputs: ['package.json'] });
    assert.ok(draft.notes.includes('package.json `web` not added: Procfile defines web'));
  });

  it('drops a compose service built here when no source has its command', () => {
    const draft = detect({ 'compose.yml': 'services:\n  api:\n    build: .\n  db:\n    image: postgres:16\n' });
    assert.deepEqual(draft.services.map((s) => s.name), ['db']);
    assert.match(draft.dropped[0]?.reason ?? '', /command could not be read from a Dockerfile/);
  });
});
