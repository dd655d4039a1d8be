import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { main } from '../../src/cli/main.js';
import { captureIo } from '../helpers/capture-io.js';
import { writeFiles } from '../helpers/temp-stack.js';

const CLEAN = 'services:\n  web:\n    command: node server.js\n    http: {}\n    routes: [{ host: app.example.com }]\n';
const BROKEN = 'services:\n  web:\n    command: node server.js\n    http: {}\n    restart: alway\n';
const MISWIRED = 'services:\n  web:\n    command: node server.js\n    depends_on: [db]\n';
const WARNING = 'services:\n  web:\n    command: node server.js --host 0.0.0.0\n    http: {}\n    routes: [{ host: app.example.com }]\n';

describe('berth check', () => {
  it('exits 0 and says so on a clean file', async () => {
    const io = captureIo(writeFiles({ 'berth.yml': CLEAN }));
    assert.equal(await main(['check'], io), 0);
    assert.match(io.out(), /berth\.yml: 1 service, no problems found/);
    assert.equal(io.err(), '');
    const withJobs = captureIo(writeFiles({ 'berth.yml': `${CLEAN}jobs:\n  report: { command: node report.js, every: 1h }\n` }));
    assert.equal(await main(['check'], withJobs), 0);
    assert.match(withJobs.out(), /berth\.yml: 1 service, 1 job, no problems found/);
  });

  it('exits 2 and prints located, actionable errors', async () => {
    const io = captureIo(writeFiles({ 'berth.yml': BROKEN }));
    assert.equal(await main(['check'], io), 2);
    const err = io.err();
    assert.match(err, /berth\.yml:5:14: error BERTH_E_SCHEMA_VALUE: `services\.web\.restart` has an invalid value/);
    assert.match(err, /expected: one of always, on-failure, never/);
    assert.match(err, /found: {4}the string "alway"/);
    assert.match(err, /did you mean `always`\?/);
    assert.match(err, /> 5 \| {5}restart: alway/);
    assert.doesNotMatch(err, /\u001b\[/, 'no colour when not a terminal');
  });

  it('lints wiring once the schema passes: unknown dependency with a location', async () => {
    const io = captureIo(writeFiles({ 'berth.yml': MISWIRED }));
    assert.equal(await main(['check'], io), 2);
    assert.match(io.err(), /berth\.yml:4:18: error BERTH_E_DEP_UNKNOWN: service web depends on db, which does not exist/);
    assert.match(io.err(), /hint: define a service named `db` under `services:`/);
  });

  it('prints a dependency cycle whole', async () => {
    const io = captureIo(writeFiles({ 'berth.yml': 'services:\n  a: { command: x, depends_on: [b] }\n  b: { command: y, depends_on: [a], ready: { tcp: 80 } }\n' }));
    assert.equal(await main(['check'], io), 2);
    assert.match(io.err(), /BERTH_E_DEP_CYCLE: dependency cycle: a → b → a/);
  });

  it('exits 0 on warnings, and 1 under --strict', async () => {
    const dir = writeFiles({ 'berth.yml': WARNING });
    const io = captureIo(dir);
    assert.equal(await main(['check'], io), 0);
    assert.match(io.err(), /BERTH_W_BIND_ALL_INTERFACES/);
    assert.match(io.out(), /1 warning/);
    assert.equal(await main(['check', '--strict'], captureIo(dir)), 1);
  });

  it('prints JSON with errors and warnings under --json', async () => {
    const io = captureIo(writeFiles({ 'berth.yml': BROKEN }));
    assert.equal(await main(['check', '--json'], io), 2);
    const report = JSON.parse(io.out()) as { ok: boolean; errors: { code: string; location: { line: number } }[] };
    assert.equal(report.ok, false);
    assert.deepEqual(report.errors.map((e) => [e.code, e.location.line]), [['BERTH_E_SCHEMA_VALUE', 5]]);
  });

  it('checks every environment when none is named, and only the named one with --env', async () => {
    const yaml = `${CLEAN}environments:\n  staging:\n    services:\n      web:\n        restart: sometimes\n`;
    const dir = writeFiles({ 'berth.yml': yaml, 'berth.prod.yml': 'services:\n  web:\n    replicas: 0\n' });
    const all = captureIo(dir);
    assert.equal(await main(['check'], all), 2);
    assert.match(all.err(), /berth\.yml:10:18: error BERTH_E_SCHEMA_VALUE: `services\.web\.restart`/);
    assert.match(all.err(), /berth\.prod\.yml:3:15: error BERTH_E_SCHEMA_VALUE: `services\.web\.replicas`/);
    assert.equal(await main(['check', '--env', 'prod'], captureIo(dir)), 2);
    const unknown = captureIo(dir);
    assert.equal(await main(['check', '--env', 'qa'], unknown), 2);
    assert.match(unknown.err(), /BERTH_E_ENVIRONMENT_UNKNOWN: environment `qa` is not defined/);
  });

  it('accepts a folder or a file path, and says where the missing file was looked for', async () => {
    const dir = writeFiles({ 'app/berth.yml': CLEAN });
    assert.equal(await main(['check', 'app'], captureIo(dir)), 0);
    assert.equal(await main(['check', 'app/berth.yml'], captureIo(dir)), 0);
    const missing = captureIo(dir);
    assert.equal(await main(['check'], missing), 2);
    assert.match(missing.err(), /BERTH_E_FILE_NOT_FOUND/);
    assert.match(missing.err(), /berth init/);
  });

  it('rejects unknown options and commands with a usage error and exit 2', async () => {
    const dir = writeFiles({ 'berth.yml': CLEAN });
    const io = captureIo(dir);
    assert.equal(await main(['check', '--strcit'], io), 2);
    assert.match(io.err(), /BERTH_E_USAGE/);
    const cmd = captureIo(dir);
    assert.equal(await main(['chekc'], cmd), 2);
    assert.match(cmd.err(), /did you mean `check`\?/);
  });

  it('warns when git tracks the env file', async () => {
    const dir = writeFiles({ 'berth.yml': CLEAN, '.env': 'SECRET=abc\n' });
    const git = (...args: string[]) => spawnSync('git', args, { cwd: dir, stdio: 'ignore' }).status;
    assert.equal(git('init', '-q'), 0, 'git is needed for this test (Debian package: git)');
    const before = captureIo(dir);
    await main(['check'], before);
    assert.doesNotMatch(before.err(), /BERTH_W_ENV_FILE_TRACKED/);
    assert.equal(git('add', '.env'), 0);
    const after = captureIo(dir);
    assert.equal(await main(['check'], after), 0);
    assert.match(after.err(), /\.env:1:1: warning BERTH_W_ENV_FILE_TRACKED: env file \.env is tracked by git/);
  });

  it('colours output on a terminal unless NO_COLOR is set', async () => {
    const dir = writeFiles({ 'berth.yml': BROKEN });
    const tty = captureIo(dir, {}, true);
    await main(['check'], tty);
    assert.match(tty.err(), /\u001b\[31;1merror/);
    const noColor = captureIo(dir, { NO_COLOR: '1' }, true);
    await main(['check'], noColor);
    assert.doesNotMatch(noColor.err(), /\u001b\[/);
  });
});
