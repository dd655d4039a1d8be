import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mapComposeCommand } from '../../src/init/map-compose-command.js';
import { parseDockerfileCommand } from '../../src/init/parse-dockerfile-command.js';

describe('mapComposeCommand', () => {
  it('keeps a compose command as written: a string stays a string, a list a list', () => {
    assert.equal(mapComposeCommand({ command: 'python -m bot' }, undefined).command, 'python -m bot');
    assert.deepEqual(mapComposeCommand({ command: ['node', 'dist/worker.js'] }, undefined).command, ['node', 'dist/worker.js']);
  });

  it('puts a compose list entrypoint before the command words', () => {
    assert.deepEqual(mapComposeCommand({ entrypoint: ['/usr/bin/tini', '--'], command: 'node "my app.js"' }, undefined).command, ['/usr/bin/tini', '--', 'node', 'my app.js']);
  });

  it('drops the Dockerfile CMD when compose sets the entrypoint', () => {
    const dockerfile = parseDockerfileCommand('FROM x\nCMD ["serve"]\n');
    assert.deepEqual(mapComposeCommand({ entrypoint: ['./run.sh'] }, dockerfile).command, ['./run.sh']);
  });

  it('ignores CMD behind a shell-form ENTRYPOINT, as Docker does', () => {
    const dockerfile = parseDockerfileCommand('FROM x\nENTRYPOINT exec gunicorn app:app\nCMD ["--workers", "4"]\n');
    assert.equal(mapComposeCommand({}, dockerfile).command, 'exec gunicorn app:app');
  });

  it('runs a shell-form CMD behind an exec ENTRYPOINT with /bin/sh -c', () => {
    const dockerfile = parseDockerfileCommand('FROM x\nENTRYPOINT ["dumb-init"]\nCMD node server.js\n');
    assert.deepEqual(mapComposeCommand({}, dockerfile).command, ['dumb-init', '/bin/sh', '-c', 'node server.js']);
  });

  it('keeps a Dockerfile ${VAR} for the shell instead of Berth interpolation', () => {
    const dockerfile = parseDockerfileCommand('FROM x\nCMD uvicorn app:app --port ${PORT:-8000}\n');
    const mapped = mapComposeCommand({}, dockerfile);
    assert.equal(mapped.command, 'uvicorn app:app --port $${PORT:-8000}');
    assert.equal(mapped.comment, 'from Dockerfile CMD');
  });

  it('gives no command when neither compose nor a Dockerfile has one', () => {
    assert.equal(mapComposeCommand({}, undefined).command, undefined);
  });
});

describe('parseDockerfileCommand', () => {
  it('reads the last stage for CMD and every stage for RUN, joining continuation lines', () => {
    const parsed = parseDockerfileCommand('FROM node AS build\nRUN npm ci \\\n  && npm run build\nCMD ["wrong"]\nFROM node:slim\nRUN apt-get update\nCMD ["node", "dist/main.js"]\n');
    assert.deepEqual(parsed.cmd, ['node', 'dist/main.js']);
    assert.equal(parsed.entrypoint, undefined);
    assert.deepEqual(parsed.run, ['npm ci && npm run build', 'apt-get update']);
  });
});
