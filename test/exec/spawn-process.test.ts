import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { listGroupMembers, readProcStat } from '../../src/exec/proc-stat.js';
import { spawnProcess } from '../../src/exec/spawn-process.js';
import { stopProcessGroup } from '../../src/exec/stop-process-group.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures');

function readAll(stream: NodeJS.ReadableStream | null): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    stream?.on('data', (chunk: Buffer) => (text += chunk.toString()));
    stream?.on('end', () => {
      resolve(text);
    });
  });
}

function firstLine(stream: NodeJS.ReadableStream | null): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    stream?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('\n')) resolve(text.split('\n')[0] ?? '');
    });
  });
}

describe('spawnProcess', () => {
  it('runs a shell command in its own process group with the given env and cwd, stdin closed', async () => {
    const handle = spawnProcess({ command: { shell: 'echo "$GREETING from $(pwd)"; ps -o pgid= -p $$; cat; echo done' }, cwd: '/tmp', env: { GREETING: 'hello', PATH: process.env.PATH ?? '' } });
    const [out, exit] = await Promise.all([readAll(handle.stdout), handle.exit]);
    assert.equal(exit.code, 0);
    const [greeting, pgid, done] = out.trim().split('\n').map((l) => l.trim());
    assert.equal(greeting, 'hello from /tmp');
    assert.equal(Number(pgid), handle.pid, 'the child leads its own process group');
    assert.notEqual(Number(pgid), readProcStat(process.pid)?.pgrp);
    assert.equal(done, 'done', 'stdin is closed, so cat ends at once');
  });

  it('runs an argv command without a shell', async () => {
    const handle = spawnProcess({ command: { argv: ['/bin/echo', '$HOME', '*'] }, cwd: '/', env: {} });
    assert.equal((await readAll(handle.stdout)).trim(), '$HOME *');
  });

  it('reports a program that does not exist instead of throwing', async () => {
    const handle = spawnProcess({ command: { argv: ['/nonexistent/program'] }, cwd: '/', env: {} });
    const exit = await handle.exit;
    assert.match(exit.error ?? '', /ENOENT/);
  });

  it('opens a notify pipe on fd 3 when asked', async () => {
    const handle = spawnProcess({ command: { argv: [process.execPath, join(fixtures, 'notify-ready.mjs')] }, cwd: '/', env: {}, notify: true });
    assert.equal(await firstLine(handle.notify), 'READY');
    await stopProcessGroup(handle.pgid, 'SIGTERM', 2000);
  });
});

describe('stopProcessGroup', () => {
  it('kills a whole tree that ignores SIGTERM once the timeout passes, grandchildren included', async () => {
    const handle = spawnProcess({ command: { argv: [process.execPath, join(fixtures, 'stubborn-tree.mjs')] }, cwd: '/', env: {} });
    const { grandchild } = JSON.parse(await firstLine(handle.stdout)) as { pid: number; grandchild: number };
    assert.equal(listGroupMembers(handle.pgid).length, 2);
    const result = await stopProcessGroup(handle.pgid, 'SIGTERM', 300);
    assert.equal(result.killed, true);
    assert.ok(result.durationMs >= 300, `waited the grace period (${String(result.durationMs)} ms)`);
    assert.deepEqual(listGroupMembers(handle.pgid), []);
    const zombieOrGone = readProcStat(grandchild);
    assert.ok(zombieOrGone === undefined || zombieOrGone.state === 'Z', 'the grandchild is gone');
  });

  it('returns as soon as a well-behaved group exits on SIGTERM', async () => {
    const handle = spawnProcess({ command: { shell: 'sleep 30 & sleep 30 & wait' }, cwd: '/', env: { PATH: process.env.PATH ?? '' } });
    await new Promise((r) => setTimeout(r, 100));
    const result = await stopProcessGroup(handle.pgid, 'SIGTERM', 5000);
    assert.equal(result.killed, false);
    assert.ok(result.durationMs < 1000, `stopped quickly (${String(result.durationMs)} ms)`);
    assert.deepEqual(listGroupMembers(handle.pgid), []);
  });
});
