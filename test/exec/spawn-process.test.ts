import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
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

/** The inode of what `/proc/<pid>/fd/<fd>` points to, or undefined when that fd is not open. */
function inodeOf(pid: number | 'self', fd: string | number): number | undefined {
  try {
    return statSync(`/proc/${String(pid)}/fd/${String(fd)}`).ino;
  } catch {
    return undefined;
  }
}

/** Our own fds that reach `inode`, each with whether it was opened for writing. */
function ownEnds(inode: number): { fd: string; writes: boolean }[] {
  return readdirSync('/proc/self/fd')
    .filter((fd) => inodeOf('self', fd) === inode)
    .map((fd) => {
      const flags = /^flags:\s+(\d+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))?.[1] ?? '0';
      return { fd, writes: (Number.parseInt(flags, 8) & 3) !== 0 };
    });
}

describe('spawnProcess: output pipes', () => {
  it('gives the child real pipes (not sockets) for stdout and stderr, and keeps only their read ends', { timeout: 20_000 }, async () => {
    const handle = spawnProcess({ command: { argv: ['/bin/sleep', '30'] }, cwd: '/', env: {} });
    try {
      for (const fd of [1, 2]) {
        const path = `/proc/${String(handle.pid)}/fd/${String(fd)}`;
        assert.ok(statSync(path).isFIFO(), `fd ${String(fd)} of the child is a pipe`);
        const ends = ownEnds(statSync(path).ino);
        // A write end left open here would keep the reader from ever seeing EOF.
        assert.deepEqual(ends.map((end) => end.writes), [false], `the daemon holds exactly one end of the child's fd ${String(fd)}, the read end`);
      }
    } finally {
      await stopProcessGroup(handle.pgid, 'SIGKILL', 2000);
    }
  });

  it('ends stdout only once the child and the grandchild that inherited it have both exited', { timeout: 20_000 }, async () => {
    const handle = spawnProcess({ command: { shell: 'echo first; (sleep 0.3; echo second) & echo gone >&2' }, cwd: '/', env: { PATH: process.env.PATH ?? '' } });
    const order: string[] = [];
    const out = readAll(handle.stdout).then((text) => {
      order.push('stdout ended');
      return text;
    });
    const err = readAll(handle.stderr);
    await handle.exit.then(() => order.push('exited'));
    assert.equal(await out, 'first\nsecond\n');
    assert.equal(await err, 'gone\n');
    assert.deepEqual(order, ['exited', 'stdout ended'], 'the shell exits first; the grandchild still holds stdout');
  });

  it('reads in place when asked: chunks are views of one shared buffer, and every byte of two children at once arrives', { timeout: 20_000 }, async () => {
    const script = "const b = Buffer.alloc(300000, process.argv[1]); for (let i = 0; i < 20; i++) require('node:fs').writeSync(1, b);";
    const handles = ['a', 'b'].map((letter) => spawnProcess({ command: { argv: [process.execPath, '-e', script, letter] }, cwd: '/tmp', env: {}, chunksInPlace: true }));
    const underlying = new Set<ArrayBuffer>();
    const counts = handles.map((handle) => new Promise<Record<string, number>>((resolve) => {
      const seen: Record<string, number> = {};
      handle.stdout?.on('data', (chunk: Buffer) => {
        underlying.add(chunk.buffer as ArrayBuffer);
        // Counted before returning: the next read overwrites the chunk.
        for (const byte of chunk) seen[String.fromCharCode(byte)] = (seen[String.fromCharCode(byte)] ?? 0) + 1;
      });
      handle.stdout?.once('end', () => {
        resolve(seen);
      });
    }));
    assert.deepEqual(await Promise.all(counts), [{ a: 6_000_000 }, { b: 6_000_000 }]);
    assert.equal(underlying.size, 1, 'every chunk of both readers is a view of the same buffer');
    await Promise.all(handles.map((handle) => handle.exit));
  });

  it('gives a child none of the pipes of another child', async () => {
    const first = spawnProcess({ command: { argv: ['/bin/sleep', '30'] }, cwd: '/', env: {} });
    const second = spawnProcess({ command: { argv: ['/bin/sleep', '30'] }, cwd: '/', env: {} });
    try {
      const firstPipes = [1, 2].map((fd) => inodeOf(first.pid, fd) ?? -1);
      assert.ok(!firstPipes.includes(-1), 'the first child has its pipes');
      const secondFds = readdirSync(`/proc/${String(second.pid)}/fd`);
      const shared = secondFds.filter((fd) => firstPipes.includes(inodeOf(second.pid, fd) ?? -2));
      assert.deepEqual(shared, [], 'the second child holds no end of the first child\'s pipes');
      assert.notEqual(inodeOf(second.pid, 1), inodeOf(second.pid, 2), 'stdout and stderr are two pipes');
    } finally {
      await Promise.all([stopProcessGroup(first.pgid, 'SIGKILL', 2000), stopProcessGroup(second.pgid, 'SIGKILL', 2000)]);
    }
  });

  it('leaks no fd: started, failed to start, or read to the end', { timeout: 30_000 }, async () => {
    const count = (): number => readdirSync('/proc/self/fd').length;
    // A first spawn may open things once (the FIFO folder, libuv internals); count after it.
    await readAll(spawnProcess({ command: { argv: ['/bin/true'] }, cwd: '/', env: {} }).stdout);
    const before = count();
    for (let run = 0; run < 20; run++) {
      const ok = spawnProcess({ command: { argv: ['/bin/echo', 'hi'] }, cwd: '/', env: {} });
      const missing = spawnProcess({ command: { argv: ['/nonexistent/program'] }, cwd: '/', env: {} });
      await Promise.all([readAll(ok.stdout), readAll(ok.stderr), readAll(missing.stdout), readAll(missing.stderr), ok.exit, missing.exit]);
    }
    // Closing is asynchronous in libuv: give it a moment rather than assert at once.
    for (let wait = 0; wait < 50 && count() > before; wait++) await new Promise((resolve) => setTimeout(resolve, 20));
    // At most as many: fds of earlier tests (a background mkfifo's pipes) may close meanwhile; a leak
    // would add dozens.
    assert.ok(count() <= before, `${String(count())} fds open after, ${String(before)} before`);
  });

  it('works for a child running as another user: it gets fds, not a path in the daemon\'s private folder', { skip: process.getuid?.() !== 0 && 'needs root' }, async () => {
    const handle = spawnProcess({ command: { shell: 'id -u; echo oops >&2' }, cwd: '/', env: { PATH: process.env.PATH ?? '' }, user: { uid: 65534, gid: 65534 } });
    const [out, err, exit] = await Promise.all([readAll(handle.stdout), readAll(handle.stderr), handle.exit]);
    assert.equal(exit.code, 0);
    assert.equal(out, '65534\n');
    assert.equal(err, 'oops\n');
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
