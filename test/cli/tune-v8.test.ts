import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isLongRunning } from '../../src/cli/tune-v8.js';

describe('tuneV8For', () => {
  it('keeps the optimizing compiler for the daemon and a foreground `up` only', () => {
    assert.equal(isLongRunning(['daemon', '--file', 'x']), true);
    assert.equal(isLongRunning(['up']), true);
    assert.equal(isLongRunning(['up', 'web', '--file', 'berth.yml']), true);
    for (const argv of [['up', '-d'], ['up', '--detach'], ['up', 'web', '-d'], ['check'], ['status'], ['deploy'], []]) assert.equal(isLongRunning(argv), false, argv.join(' '));
  });

  it('after tuneV8For, a hot function of a short command is never optimized; of the daemon it is', () => {
    const tune = join(import.meta.dirname, '..', '..', 'src', 'cli', 'tune-v8.ts');
    // V8's own report (natives syntax): bit 16 of the optimization status means optimized code.
    const script = `const { tuneV8For } = require(${JSON.stringify(tune)});
tuneV8For(process.argv.slice(1));
function f(x) { return x * 2 + 1; }
%PrepareFunctionForOptimization(f);
f(1); f(2);
%OptimizeFunctionOnNextCall(f);
f(3);
console.log((%GetOptimizationStatus(f) & 16) !== 0 ? 'optimized' : 'not optimized');`;
    const run = (...argv: string[]): string => {
      const child = spawnSync(process.execPath, ['--allow-natives-syntax', '--import', 'tsx', '--input-type=commonjs', '-e', script, ...argv], { encoding: 'utf8' });
      assert.equal(child.status, 0, child.stderr);
      return child.stdout.trim();
    };
    assert.equal(run('check', '--file', 'berth.yml'), 'not optimized');
    assert.equal(run('daemon', '--file', 'berth.yml'), 'optimized');
  });
});
