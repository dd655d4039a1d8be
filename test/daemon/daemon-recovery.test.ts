import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { main } from '../../src/cli/main.js';
import { getStatePaths } from '../../src/daemon/state-paths.js';
import { captureIo } from '../helpers/capture-io.js';
import { writeFiles } from '../helpers/temp-stack.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures');
const runMain = join(import.meta.dirname, '..', '..', 'src', 'cli', 'run-main.ts');

function stackYaml(marker: string): string {
  const cmd = `${process.execPath} ${join(fixtures, 'service.mjs')} ${marker}`;
  return `services:
  db: { command: ${cmd}, http: {}, ready: { http: /health } }
  api: { command: ${cmd}, http: {}, depends_on: [db], ready: { http: /health } }
  tree: { command: ${process.execPath} ${join(fixtures, 'stubborn-tree.mjs')} ${marker}, stop: { timeout: 300ms } }
`;
}

/** Live processes whose command line mentions `marker` (grandchildren of `tree` inherit no marker, so count them by group). */
function processesWith(marker: string): { pid: number; pgrp: number; tree: boolean }[] {
  const found: { pid: number; pgrp: number; tree: boolean }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (cmdline.includes(marker) && fields[0] !== 'Z') found.push({ pid: Number(entry), pgrp: Number(fields[2]), tree: cmdline.includes('stubborn-tree') });
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

/** Process groups (one per service instance) whose members mention `marker`. */
function groupsWith(marker: string): Set<number> {
  return new Set(processesWith(marker).map((p) => p.pgrp));
}

function groupSize(pgrp: number): number {
  let count = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgrp && fields[0] !== 'Z') count += 1;
    } catch {
      // gone
    }
  }
  return count;
}

describe('daemon', () => {
  it('recovers from SIGKILL: a new up reaps the old groups, grandchildren included, and runs each service once (R1)', async () => {
    const marker = `berth-r1-${String(process.pid)}-${String(Date.now())}`;
    const dir = writeFiles({ 'berth.yml': stackYaml(marker) });
    const paths = getStatePaths(join(dir, 'berth.yml'));
    const first = captureIo(dir, { PATH: process.env.PATH ?? '' });
    // Whatever an assertion does, the stack is stopped: a failing test must not leave a daemon behind.
    try {
    assert.equal(await main(['up', '-d'], first), 0, first.err());
    assert.equal(statSync(paths.socket).mode & 0o777, 0o600, 'the control socket is private');
    assert.equal(statSync(paths.logsDir).mode & 0o777, 0o700, 'logs are private');
    assert.equal(statSync(join(paths.logsDir, 'db.log')).mode & 0o777, 0o600);
    const daemon = JSON.parse(readFileSync(join(paths.stateDir, 'daemon.json'), 'utf8')) as { pid: number };
    const before = groupsWith(marker);
    assert.equal(before.size, 3, `one process group each for db, api and tree: ${first.out()}`);
    const treeGroup = processesWith(marker).find((p) => p.tree)?.pgrp ?? 0;
    assert.ok(groupSize(treeGroup) >= 2, 'the tree has its grandchild');

    process.kill(daemon.pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(groupsWith(marker).size, 3, 'the services outlive a killed daemon (they are in their own groups)');

    const second = captureIo(dir, { PATH: process.env.PATH ?? '' });
    assert.equal(await main(['up', '-d'], second), 0, second.err());
    const after = groupsWith(marker);
    assert.equal(after.size, 3, `one group per service, no duplicates: ${JSON.stringify([...after])}`);
    for (const old of before) assert.ok(!after.has(old), `old group ${String(old)} was reaped`);
    assert.equal(groupSize(treeGroup), 0, 'the old grandchild that ignored SIGTERM is gone too');

    const down = captureIo(dir);
    assert.equal(await main(['down'], down), 0);
    assert.equal(processesWith(marker).length, 0, 'nothing survives down');
    } finally {
      await main(['down'], captureIo(dir));
    }
  });

  it('stops a foreground `berth up` on Ctrl-C, dependents first, with prefixed output', async () => {
    const marker = `berth-fg-${String(process.pid)}-${String(Date.now())}`;
    const dir = writeFiles({ 'berth.yml': stackYaml(marker) });
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), runMain, 'up'], { cwd: dir, env: { PATH: process.env.PATH ?? '', TRACE: join(dir, 'trace.jsonl') } });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    try {
    const deadline = Date.now() + 20_000;
    while (!out.includes('every service is ready')) {
      if (Date.now() > deadline) throw new Error(`not ready: ${out}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.match(out, /^api\.1 +\| api\.1: listening on \d+$/m);
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 0);
    assert.equal(processesWith(marker).length, 0, 'nothing survives Ctrl-C');
    const trace = readFileSync(join(dir, 'trace.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { service: string; event: string; time: number });
    const stopped = (service: string) => trace.find((e) => e.service === service && e.event === 'sigterm')?.time ?? NaN;
    assert.ok(stopped('api') <= stopped('db'), 'api (the dependent) is stopped before db');
    } finally {
      if (child.exitCode === null) child.kill('SIGTERM');
    }
  });
});
