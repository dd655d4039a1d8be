import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DAEMON_NODE_FLAGS } from '../../src/exec/spawn-daemon.js';

const root = join(import.meta.dirname, '..', '..');

describe('DAEMON_NODE_FLAGS', () => {
  // Why: the flags trade speed for memory (P4), and the one hot loop they must not slow, the log sink's line
  // encoding, is WebAssembly; a flag that turns WebAssembly off (--jitless, --lite-mode) would silently put every
  // chatty service back on the string path (P5).
  it('keep WebAssembly, so a daemon started with them encodes log lines in the fast path', () => {
    const script = `import { hasWasmLineEncoder } from ${JSON.stringify(join(root, 'src', 'logs', 'encode-lines-wasm.ts'))};
process.stdout.write(String(hasWasmLineEncoder()));`;
    const run = spawnSync(process.execPath, [...DAEMON_NODE_FLAGS, '--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', timeout: 30_000 });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, 'true');
  });
});
