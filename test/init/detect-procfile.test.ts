import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectProcfile } from '../../src/init/detect-procfile.js';
import { describeFailure, fieldOf, renderAndLoad } from './init-helpers.js';

const PROCFILE = `# Heroku processes
web: gunicorn app.wsgi --bind 0.0.0.0:$PORT --workers \${WEB_CONCURRENCY:-2}
worker: celery -A app worker -l info
release: python manage.py migrate --noinput
Clock.Main: python clock.py
not a process line
`;

describe('detectProcfile', () => {
  const result = detectProcfile(PROCFILE);
  assert.ok(result.ok);
  const draft = result.draft;

  it('makes one service per process type, with release on web (not a service)', () => {
    assert.deepEqual(draft.services.map((s) => s.name), ['web', 'worker', 'clock-main']);
    assert.equal(fieldOf(draft, 'web', 'release'), 'python manage.py migrate --noinput');
    assert.deepEqual(fieldOf(draft, 'web', 'http'), {});
    assert.equal(fieldOf(draft, 'worker', 'http'), undefined);
    assert.equal(fieldOf(draft, 'worker', 'command'), 'celery -A app worker -l info');
  });

  it('keeps $PORT as it is and leaves ${...} to the shell, as Heroku did', () => {
    assert.equal(fieldOf(draft, 'web', 'command'), 'gunicorn app.wsgi --bind 0.0.0.0:$PORT --workers $${WEB_CONCURRENCY:-2}');
  });

  it('notes lines it could not read', () => {
    assert.deepEqual(draft.notes, ['Procfile line 6 is not `type: command` and was skipped: not a process line']);
  });

  it('renders a file the loader accepts, with the shell variables intact', () => {
    const { text, result: loaded } = renderAndLoad(draft);
    assert.ok(loaded.ok, describeFailure(loaded, text));
    assert.deepEqual(loaded.stack.services.web?.command, { shell: 'gunicorn app.wsgi --bind 0.0.0.0:$PORT --workers ${WEB_CONCURRENCY:-2}' });
    assert.deepEqual(loaded.stack.services.web.release, { shell: 'python manage.py migrate --noinput' });
    assert.match(text, /# Procfile type Clock\.Main/);
  });

  it('attaches release to the first process when there is no web', () => {
    const only = detectProcfile('worker: rq worker\nrelease: flask db upgrade\n');
    assert.ok(only.ok);
    assert.equal(fieldOf(only.draft, 'worker', 'release'), 'flask db upgrade');
  });
});
