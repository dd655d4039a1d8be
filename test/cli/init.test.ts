import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { CliIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { writeFiles } from '../helpers/temp-stack.js';
import { BACKEND_FILES, TRADING_FILES } from '../init/fixtures.js';

function capture(cwd: string): { io: CliIo; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (t) => out.push(t), stderr: (t) => err.push(t), cwd, env: {}, isTty: false }, out, err };
}

describe('berth init', () => {
  it('writes berth.yml from a compose project, lists what it found, and the result passes berth check', async () => {
    const dir = writeFiles(TRADING_FILES);
    const run = capture(dir);
    assert.equal(await main(['init'], run.io), 0, run.err.join('\n'));
    const stdout = run.out.join('\n');
    assert.match(stdout, /^wrote berth\.yml from docker-compose\.yml: 4 services/);
    assert.match(stdout, /\n {2}postgres +recipe postgres +from docker-compose\.yml\n/);
    assert.match(stdout, /\n {2}dashboard +command +from docker-compose\.yml\n/);
    assert.match(stdout, /not carried over: nginx \(docker-compose\.yml\)/);
    assert.match(stdout, /next: berth check$/);
    const text = readFileSync(join(dir, 'berth.yml'), 'utf8');
    assert.equal(text.split('\n')[0], '# yaml-language-server: $schema=https://berth.dev/schemas/berth.schema.json');
    const check = capture(dir);
    assert.equal(await main(['check'], check.io), 0, check.err.join('\n'));
    assert.match(check.out.join('\n'), /berth\.yml: 4 services/);
  });

  it('writes the field note 5 stack so that berth check accepts it', async () => {
    const dir = writeFiles(BACKEND_FILES);
    assert.equal(await main(['init'], capture(dir).io), 0);
    const check = capture(dir);
    assert.equal(await main(['check'], check.io), 0, check.err.join('\n'));
  });

  it('never overwrites an existing berth.yml', async () => {
    const original = 'services:\n  mine:\n    command: ./keep-me\n';
    const dir = writeFiles({ 'berth.yml': original, 'Procfile': 'web: node server.js\n' });
    const run = capture(dir);
    assert.equal(await main(['init'], run.io), 2);
    assert.match(run.err.join('\n'), /BERTH_E_INIT_EXISTS: berth\.yml already exists/);
    assert.equal(readFileSync(join(dir, 'berth.yml'), 'utf8'), original);
    assert.deepEqual(run.out, []);
  });

  it('writes nothing when a compose file cannot be parsed', async () => {
    const dir = writeFiles({ 'compose.yml': 'services:\n  web:\n    command: "unclosed\n' });
    const run = capture(dir);
    assert.equal(await main(['init'], run.io), 2);
    assert.match(run.err.join('\n'), /BERTH_E_INIT_SOURCE: cannot read compose\.yml: /);
    assert.equal(existsSync(join(dir, 'berth.yml')), false);
  });

  it('writes a starter in a folder with nothing to detect', async () => {
    const dir = writeFiles({ 'notes.txt': 'hello' });
    const run = capture(dir);
    assert.equal(await main(['init'], run.io), 0);
    assert.match(run.out.join('\n'), /^wrote berth\.yml: a starter \(no package\.json, Procfile or compose file here\)/);
    const check = capture(dir);
    assert.equal(await main(['check'], check.io), 0, check.err.join('\n'));
  });

  it('prints help, and rejects unknown options and arguments with exit 2', async () => {
    const help = capture(writeFiles({}));
    assert.equal(await main(['init', '--help'], help.io), 0);
    assert.match(help.out.join('\n'), /^Usage: berth init/);
    const dir = writeFiles({});
    for (const args of [['init', '--force'], ['init', 'somewhere']]) {
      const run = capture(dir);
      assert.equal(await main(args, run.io), 2, args.join(' '));
      assert.match(run.err.join('\n'), /BERTH_E_USAGE/);
    }
    assert.equal(existsSync(join(dir, 'berth.yml')), false);
  });
});
