import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runInteractive } from '../../src/exec/run-interactive.js';
import { writeFiles } from '../helpers/temp-stack.js';

const env = { PATH: process.env.PATH ?? '' };

describe('runInteractive', () => {
  it('runs in the given folder with exactly the given environment and returns the exit code', async () => {
    const dir = writeFiles({ 'sub/.keep': '' });
    const result = await runInteractive({ argv: ['sh', '-c', 'pwd > ../out.txt; echo "$ONLY|${HOME-unset}" >> ../out.txt; exit 3'], cwd: join(dir, 'sub'), env: { ...env, ONLY: 'this' } });
    assert.deepEqual(result, { exitCode: 3, signal: null });
    assert.equal(readFileSync(join(dir, 'out.txt'), 'utf8'), `${join(dir, 'sub')}\nthis|unset\n`);
  });

  it('follows the shell\'s conventions: 128+N for a signal, 127 not found, 126 when it cannot run', async () => {
    assert.deepEqual(await runInteractive({ argv: ['sh', '-c', 'kill -KILL $$'], cwd: '/', env }), { exitCode: 137, signal: 'SIGKILL' });
    assert.deepEqual(await runInteractive({ argv: ['no-such-program-berth'], cwd: '/', env }), { exitCode: 127, signal: null, error: 'command not found' });
    const dir = writeFiles({ 'script.sh': 'echo hi\n' });
    const notExecutable = await runInteractive({ argv: [join(dir, 'script.sh')], cwd: dir, env });
    assert.equal(notExecutable.exitCode, 126);
    const noFolder = await runInteractive({ argv: ['true'], cwd: join(dir, 'missing'), env });
    assert.deepEqual(noFolder, { exitCode: 126, signal: null, error: `the working folder ${join(dir, 'missing')} does not exist` });
  });

  it('leaves Ctrl-C to the command (Berth ignores SIGINT while it runs) and passes SIGTERM on', async () => {
    const dir = writeFiles({});
    const marker = join(dir, 'started');
    const interrupted = runInteractive({ argv: ['sh', '-c', `touch ${marker}; sleep 0.5; exit 4`], cwd: dir, env });
    await waitForFile(marker);
    process.kill(process.pid, 'SIGINT');
    assert.deepEqual(await interrupted, { exitCode: 4, signal: null }, 'SIGINT to Berth alone neither kills Berth nor the command');
    assert.equal(process.listenerCount('SIGINT'), 0, 'the handlers are removed afterwards');
    const marker2 = join(dir, 'started2');
    const terminated = runInteractive({ argv: ['sh', '-c', `touch ${marker2}; sleep 5`], cwd: dir, env });
    await waitForFile(marker2);
    process.kill(process.pid, 'SIGTERM');
    assert.deepEqual(await terminated, { exitCode: 143, signal: 'SIGTERM' });
  });
});

async function waitForFile(file: string): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      readFileSync(file);
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`${file} never appeared`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}
