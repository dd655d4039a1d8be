// The control API's own error answers, from a real daemon over its socket: an unknown route, a bad query, a
// deploy request that is not one, and a state database the daemon could not open (the stack runs on without it).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { callApi, streamApi, type ApiResponse } from '../../src/client/api-client.js';
import { main } from '../../src/cli/main.js';
import { getStatePaths } from '../../src/daemon/state-paths.js';
import { getCatalogEntry } from '../../src/errors/catalog.js';
import { captureIo } from '../helpers/capture-io.js';
import { writeFiles } from '../helpers/temp-stack.js';

const env = { PATH: process.env.PATH ?? '' };
const echo = join(import.meta.dirname, '..', 'fixtures', 'echo-instance.mjs');
const service = `${process.execPath} ${echo}`;

interface ApiError { readonly code: string; readonly message: string; readonly hint: string }

/** The `error` of an answer, after checking the daemon answered with `status`. */
function errorOf(answer: ApiResponse, status: number): ApiError {
  assert.ok(answer.ok, JSON.stringify(answer));
  assert.equal(answer.status, status, JSON.stringify(answer.body));
  const error = (answer.body as { error?: ApiError }).error;
  assert.ok(error !== undefined, JSON.stringify(answer.body));
  return error;
}

async function up(dir: string): Promise<void> {
  const io = captureIo(dir, env);
  assert.equal(await main(['up', '-d'], io), 0, io.err());
}

describe('control API errors', { timeout: 120_000 }, () => {
  it('answers an unknown route with BERTH_E_API_NOT_FOUND and a bad query with BERTH_E_API_BAD_QUERY, naming what was wrong', async () => {
    const dir = writeFiles({ 'berth.yml': `services:\n  web: { command: ${service}, http: {} }\n` });
    const { socket } = getStatePaths(join(dir, 'berth.yml'));
    try {
      await up(dir);

      const unknownRoute = errorOf(await callApi(socket, 'GET', '/v1/no-such-route?x=1'), 404);
      assert.equal(unknownRoute.code, 'BERTH_E_API_NOT_FOUND');
      assert.equal(unknownRoute.message, 'no API route GET /v1/no-such-route');
      assert.equal(unknownRoute.hint, getCatalogEntry('BERTH_E_API_NOT_FOUND').hint);
      assert.match(unknownRoute.hint, /different Berth versions/);
      // A known path with another method is not a route either.
      const wrongMethod = errorOf(await callApi(socket, 'POST', '/v1/status'), 404);
      assert.equal(wrongMethod.code, 'BERTH_E_API_NOT_FOUND');
      assert.equal(wrongMethod.message, 'no API route POST /v1/status');

      const badSince = errorOf(await callApi(socket, 'GET', '/v1/events/history?since=last-tuesday'), 400);
      assert.equal(badSince.code, 'BERTH_E_API_BAD_QUERY');
      assert.equal(badSince.message, 'bad query: since must be milliseconds since the epoch or an ISO time, not "last-tuesday"');
      assert.match(badSince.hint, /berth events --help/);
      const badLimit = errorOf(await callApi(socket, 'GET', '/v1/events/history?limit=-3'), 400);
      assert.equal(badLimit.code, 'BERTH_E_API_BAD_QUERY');
      assert.match(badLimit.message, /^bad query: limit must be a whole number up to \d+, not "-3"$/);
      const badAfter = errorOf(await callApi(socket, 'GET', '/v1/events/history?after=abc'), 400);
      assert.equal(badAfter.message, 'bad query: after must be an event id, not "abc"');

      // A deploy request that is not JSON, or not a deploy request, is refused before anything is done.
      const notJson = await streamApi(socket, '/v1/deploy', 'this is not json', () => undefined).done;
      const notJsonError = errorOf(notJson, 400);
      assert.equal(notJsonError.code, 'BERTH_E_API_BAD_QUERY');
      assert.match(notJsonError.message, /^bad query: the deploy request is not JSON: /);
      const noKind = errorOf(await streamApi(socket, '/v1/deploy', JSON.stringify({ stack: '{}' }), () => undefined).done, 400);
      assert.equal(noKind.message, 'bad query: `kind` must be "deploy" or "rollback"');
      const otherStack = errorOf(await streamApi(socket, '/v1/deploy', JSON.stringify({ kind: 'deploy', stack: JSON.stringify({ format: 'berth-resolved-stack/1', stack: { name: 'x', file: '/elsewhere/berth.yml', services: {} } }) }), () => undefined).done, 400);
      assert.match(otherStack.message, /^bad query: the stack handed over is \/elsewhere\/berth\.yml, not .*berth\.yml$/);

      // The daemon still answers normally afterwards.
      const status = await callApi(socket, 'GET', '/v1/status');
      assert.ok(status.ok && status.status === 200, JSON.stringify(status));
    } finally {
      await main(['down'], captureIo(dir, env));
    }
  });

  it('answers the event history with BERTH_E_STATE_DB when the daemon could not open state.db, and keeps the stack running', async () => {
    // A folder where the database file belongs: SQLite cannot open it, whoever runs the daemon (root included).
    const dir = writeFiles({ 'berth.yml': `services:\n  web: { command: ${service}, http: {} }\n`, '.berth/state.db/not-a-database': '' });
    const { socket } = getStatePaths(join(dir, 'berth.yml'));
    try {
      await up(dir);
      const history = errorOf(await callApi(socket, 'GET', '/v1/events/history'), 503);
      assert.equal(history.code, 'BERTH_E_STATE_DB');
      assert.equal(history.message, 'the daemon could not open the state database');
      assert.match(history.hint, /\.berth\/daemon\.log .*the stack keeps running, only history is missing/);
      // Where the hint points: the daemon's log says what went wrong with which file.
      assert.match(readFileSync(getStatePaths(join(dir, 'berth.yml')).daemonLog, 'utf8'), /could not open the state database.*state\.db/);
      // A bad query is still reported as such first.
      assert.equal(errorOf(await callApi(socket, 'GET', '/v1/events/history?since=never'), 400).code, 'BERTH_E_API_BAD_QUERY');
      const status = await callApi(socket, 'GET', '/v1/status');
      assert.ok(status.ok && status.status === 200, JSON.stringify(status));
      const instances = (status.body as { instances: { service: string; phase: string }[] }).instances;
      assert.deepEqual(instances.map((i) => [i.service, i.phase]), [['web', 'running']]);
      // `berth events` falls back to the file, and says why it cannot read it.
      const events = captureIo(dir, env);
      assert.equal(await main(['events'], events), 1);
      assert.match(events.err(), /^berth events: could not read .*\.berth\/state\.db: /);
    } finally {
      await main(['down'], captureIo(dir, env));
    }
  });
});
