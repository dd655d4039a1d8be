import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { callApi } from '../../src/client/api-client.js';
import { splitExecArgs } from '../../src/cli/commands/exec.js';
import { main } from '../../src/cli/main.js';
import { getStatePaths } from '../../src/daemon/state-paths.js';
import type { InstanceStatus } from '../../src/supervisor/supervisor-types.js';
import { captureIo } from '../helpers/capture-io.js';
import { writeFiles } from '../helpers/temp-stack.js';

const fixture = join(import.meta.dirname, '..', 'fixtures', 'service.mjs');
const runMain = join(import.meta.dirname, '..', '..', 'src', 'cli', 'run-main.ts');
const PATH = process.env.PATH ?? '';

// Writes what the command saw into a file: its folder and the variables named, `-` for unset.
const REPORT = (file: string, ...names: string[]): string[] => ['sh', '-c', `{ pwd; ${names.map((n) => `echo "${n}=\${${n}--}"`).join('; ')}; } > ${file}`];

function report(file: string): Record<string, string> {
  const [cwd, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
  return { cwd: cwd ?? '', ...Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)])) };
}

const STACK = `env_file: .env
services:
  api:
    command: ${process.execPath} ${fixture}
    http: {}
    ready: { http: /health }
    env: { GREETING: from-the-service }
  client:
    command: sleep 60
    cwd: ./client
    depends_on: [api]
    env:
      API_URL: "http://127.0.0.1:\${services.api.port}/v1"
`;

describe('berth exec', () => {
  it('with no daemon: the static environment over the caller\'s, the service\'s folder, the exit code, and the late values it could not set', async () => {
    const dir = writeFiles({ 'berth.yml': STACK, '.env': 'DB_PASSWORD=pw-SECRET-1234\n', 'client/.keep': '' });
    const out = join(dir, 'out.txt');
    const io = captureIo(dir, { PATH, GREETING: 'from-the-caller', CALLER: 'kept', API_URL: 'from-the-caller', PORT: '1' });
    const [sh, flag, script] = REPORT(out, 'GREETING', 'CALLER', 'API_URL', 'PORT', 'DB_PASSWORD', 'BERTH_SERVICE', 'BERTH_INSTANCE');
    const exitCode = await main(['exec', 'client', '--', sh!, flag!, `${script!}; exit 5`], io);
    assert.equal(exitCode, 5);
    assert.deepEqual(report(out), { cwd: join(dir, 'client'), GREETING: 'from-the-caller', CALLER: 'kept', API_URL: '-', PORT: '1', DB_PASSWORD: 'pw-SECRET-1234', BERTH_SERVICE: 'client', BERTH_INSTANCE: '1' });
    assert.match(io.err(), /no daemon runs, so values known only while the stack runs are not set: API_URL \(start the stack with `berth up -d`\)/);
    assert.ok(!`${io.out()}${io.err()}`.includes('pw-SECRET-1234'), 'the environment is never printed');

    const api = captureIo(dir, { PATH, GREETING: 'from-the-caller' });
    assert.equal(await main(['exec', 'api', ...REPORT(out, 'GREETING', 'PORT')], api), 0, 'no `--` needed when the command follows the service');
    assert.deepEqual(report(out), { cwd: dir, GREETING: 'from-the-service', PORT: '-' });
    assert.match(api.err(), /not set: PORT/);
  });

  it('with a running daemon: late values as the instances get them, ${services.api.port} included', async () => {
    const dir = writeFiles({ 'berth.yml': STACK, '.env': 'DB_PASSWORD=pw-SECRET-1234\n', 'client/.keep': '' });
    const paths = getStatePaths(join(dir, 'berth.yml'));
    const io = captureIo(dir, { PATH });
    assert.equal(await main(['up', '-d'], io), 0, io.err());
    try {
      const status = await callApi(paths.socket, 'GET', '/v1/status');
      assert.ok(status.ok);
      const port = (status.body as { instances: InstanceStatus[] }).instances.find((s) => s.service === 'api')?.port;
      assert.ok(typeof port === 'number' && port > 0);
      const out = join(dir, 'out.txt');
      const client = captureIo(dir, { PATH });
      assert.equal(await main(['exec', 'client', '--', ...REPORT(out, 'API_URL', 'BERTH_SERVICE')], client), 0);
      assert.deepEqual(report(out), { cwd: join(dir, 'client'), API_URL: `http://127.0.0.1:${String(port)}/v1`, BERTH_SERVICE: 'client' });
      assert.equal(client.err(), '', 'nothing is missing');
      const api = captureIo(dir, { PATH });
      assert.equal(await main(['exec', '--file', join(dir, 'berth.yml'), 'api', '--', ...REPORT(out, 'PORT', 'GREETING')], api), 0);
      assert.deepEqual(report(out), { cwd: dir, PORT: String(port), GREETING: 'from-the-service' });
      const unknown = captureIo(dir, { PATH });
      assert.equal(await main(['exec', 'clint', '--', 'true'], unknown), 2);
      assert.match(unknown.err(), /service clint does not exist; did you mean `client`\?/);
      const route = await callApi(paths.socket, 'GET', '/v1/services/client/env');
      assert.ok(route.ok && route.status === 200);
      assert.deepEqual((route.body as { missing: string[] }).missing, []);
      assert.equal((route.body as { env: Record<string, string> }).env.PATH, undefined, 'only the stack\'s part: not the daemon\'s own environment');
    } finally {
      assert.equal(await main(['down'], captureIo(dir, { PATH })), 0);
    }
  });

  it('attaches the terminal: stdin, stdout and stderr pass through, and the process exits with the command\'s code', async () => {
    const dir = writeFiles({ 'berth.yml': 'services:\n  worker: { command: sleep 60, env: { NAME: worker-env } }\n' });
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), runMain, 'exec', 'worker', '--', 'sh', '-c', 'read line; echo "got $line as $NAME"; echo oops >&2; exit 9'], { cwd: dir, env: { PATH } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdin.end('hello\n');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 9);
    assert.equal(stdout, 'got hello as worker-env\n');
    assert.equal(stderr, 'oops\n');
  });

  it('reports usage mistakes with exit 2 and a missing program with 127', async () => {
    const dir = writeFiles({ 'berth.yml': 'services:\n  worker: { command: sleep 60 }\n' });
    const run = async (...args: string[]): Promise<{ code: number; err: string }> => {
      const io = captureIo(dir, { PATH });
      return { code: await main(['exec', ...args], io), err: io.err() };
    };
    assert.equal((await run()).code, 2);
    assert.match((await run('worker')).err, /name a command after the service/);
    assert.match((await run('worker', 'extra', '--', 'true')).err, /one service before `--`/);
    assert.match((await run('wroker', '--', 'true')).err, /no service named wroker; did you mean `worker`\?/);
    const missing = await run('worker', '--', 'no-such-program-berth');
    assert.deepEqual(missing, { code: 127, err: 'berth exec: no-such-program-berth: command not found' });
    assert.deepEqual(splitExecArgs(['-f', 'x.yml', '--env', 'prod', 'api', 'ls', '-la']), { own: ['-f', 'x.yml', '--env', 'prod', 'api'], command: ['ls', '-la'] });
    assert.deepEqual(splitExecArgs(['api', '--file', 'x', '--', 'ls', '--', '-la']), { own: ['api', '--file', 'x'], command: ['ls', '--', '-la'] });
  });
});
