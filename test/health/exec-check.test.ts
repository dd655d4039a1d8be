import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { listGroupMembers, readProcStat } from '../../src/exec/proc-stat.js';
import { checkProbeOnce } from '../../src/health/check-probe-once.js';
import { makeProbe, makeTarget } from './probe-helpers.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures');
const gone = (pid: number): boolean => {
  const stat = readProcStat(pid);
  return stat === undefined || stat.state === 'Z';
};

describe('exec check with real processes', () => {
  it('passes on exit 0, with the instance env and cwd', async () => {
    const target = makeTarget({ cwd: '/tmp', env: { PATH: process.env.PATH ?? '', GREETING: 'hello' } });
    const result = await checkProbeOnce(makeProbe({ kind: 'exec', exec: { shell: 'echo "$GREETING from $(pwd)"' } }), target);
    assert.equal(result.ok, true);
    assert.equal(result.output, 'exit 0: hello from /tmp');
  });

  it('fails on another exit code, with the code and the last lines of its output', async () => {
    const command = { shell: 'for i in 1 2 3 4 5 6 7 8; do echo "line $i"; done; echo "db unreachable" >&2; exit 3' };
    const result = await checkProbeOnce(makeProbe({ kind: 'exec', exec: command }), makeTarget());
    assert.equal(result.ok, false);
    assert.equal(result.output, 'exit 3: line 5\nline 6\nline 7\nline 8\ndb unreachable');
  });

  it('caps the output of a chatty command', async () => {
    const result = await checkProbeOnce(makeProbe({ kind: 'exec', exec: { shell: 'head -c 100000 /dev/zero | tr "\\0" x; exit 1' } }), makeTarget());
    assert.equal(result.ok, false);
    assert.ok(result.output.length <= 520, `output is ${String(result.output.length)} chars`);
  });

  it('reports a program that cannot start', async () => {
    const result = await checkProbeOnce(makeProbe({ kind: 'exec', exec: { argv: ['/nonexistent/probe'] } }), makeTarget());
    assert.equal(result.ok, false);
    assert.match(result.output, /could not start: .*ENOENT/);
  });

  it('kills the whole group at the timeout, a grandchild that ignores SIGTERM included', async () => {
    const probe = makeProbe({ kind: 'exec', exec: { argv: [process.execPath, join(fixtures, 'stubborn-tree.mjs')] }, timeout: '300ms' });
    const started = Date.now();
    const result = await checkProbeOnce(probe, makeTarget());
    assert.equal(result.ok, false);
    assert.match(result.output, /^timed out after 300ms; killed the probe command and its children: \{/);
    assert.ok(Date.now() - started < 2000, 'the group is killed soon after the timeout');
    const tree = JSON.parse(result.output.slice(result.output.indexOf('{'))) as { pid: number; grandchild: number };
    assert.deepEqual(listGroupMembers(tree.pid), []);
    assert.ok(gone(tree.pid) && gone(tree.grandchild), 'child and grandchild are gone');
  });

  it('kills what a passing command left running in the background', async () => {
    const result = await checkProbeOnce(makeProbe({ kind: 'exec', exec: { shell: 'sleep 30 & echo $!; exit 0' } }), makeTarget());
    assert.equal(result.ok, true);
    const sleeper = Number(result.output.split(': ')[1]);
    assert.ok(sleeper > 0);
    assert.ok(gone(sleeper), 'the background sleep is gone');
  });

  it('blanks secrets of the instance env in the output', async () => {
    const env = { PATH: process.env.PATH ?? '', DATABASE_URL: 'postgres://app:pa55word@127.0.0.1/app', DB_PASSWORD: 'other-secret' };
    const result = await checkProbeOnce(makeProbe({ kind: 'exec', exec: { shell: 'echo "auth failed for $DATABASE_URL ($DB_PASSWORD)"; exit 2' } }), makeTarget({ env }));
    assert.equal(result.output, 'exit 2: auth failed for postgres://app:<redacted>@127.0.0.1/app (<redacted>)');
  });
});
