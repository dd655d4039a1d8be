import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createBufferSlab } from '../../src/logs/create-buffer-slab.js';
import { encodePrefix, encodeWholeLines, encodeWholeLinesText, type LinePrefix } from '../../src/logs/encode-lines.js';
import { ENCODE_LINES_WASM } from '../../src/logs/encode-lines-wasm-bytes.js';
import { encodeWholeLinesWasm, hasWasmLineEncoder } from '../../src/logs/encode-lines-wasm.js';

const root = join(import.meta.dirname, '..', '..');

/** A prefix of `length` printable bytes (the real ones are 30–40; the module takes up to 48; the string path counts lines by the prefix, so at least 1). */
function prefixOf(length: number): LinePrefix {
  const text = 'p'.repeat(Math.max(0, length - 1)).concat(length > 0 ? ' ' : '');
  return { bytes: Buffer.from(text, 'latin1'), separator: `\n${text}` };
}

// Bytes rich in what the encoder treats specially: newlines, carriage returns, and everything else.
const byteArb = fc.oneof(fc.constant(0x0a), fc.constant(0x0d), fc.integer({ min: 0, max: 255 }));
const chunkArb = fc.array(byteArb, { maxLength: 600 }).map((bytes) => Buffer.from([...bytes, 0x0a]));

describe('encodeWholeLinesWasm', () => {
  it('is what the sink uses here: Node 20 runs the module', () => {
    assert.equal(hasWasmLineEncoder(), true);
    const allocate = createBufferSlab();
    const prefix = encodePrefix(Date.UTC(2026, 10, 22, 12, 0, 0, 5), 3, 'out');
    const result = encodeWholeLinesWasm(Buffer.from('one\r\ntwo\n\nthree\n'), 0, 16, prefix, allocate, Buffer.from('zero '));
    assert.equal(result?.encoded.toString(), '2026-11-22T12:00:00.005Z 3 out zero one\n2026-11-22T12:00:00.005Z 3 out two\n2026-11-22T12:00:00.005Z 3 out \n2026-11-22T12:00:00.005Z 3 out three\n');
    assert.equal(result.count, 4);
  });

  it('writes the same bytes and count as the string path, for any bytes, head, start and prefix (property)', () => {
    const allocate = createBufferSlab();
    fc.assert(fc.property(chunkArb, fc.option(fc.array(byteArb, { maxLength: 80 }).map((b) => Buffer.from(b.filter((x) => x !== 0x0a))), { nil: undefined }), fc.nat({ max: 40 }), fc.integer({ min: 1, max: 48 }), (chunk, head, skip, prefixLength) => {
      // start must leave the chunk's final newline in range, and a head only joins a chunk read from its start.
      const start = Math.min(skip, chunk.length - 1);
      const prefix = prefixOf(prefixLength);
      const wasm = encodeWholeLinesWasm(chunk, start, chunk.length, prefix, allocate, start === 0 ? head : undefined);
      const text = encodeWholeLinesText(chunk, start, chunk.length, prefix, allocate, start === 0 ? head : undefined);
      assert.ok(wasm !== null);
      assert.equal(wasm.encoded.toString('latin1'), text.encoded.toString('latin1'));
      assert.equal(wasm.count, text.count);
    }), { numRuns: 2000 });
  });

  it('grows its memory for a chunk larger than any before it and stays right after', () => {
    const allocate = createBufferSlab();
    const prefix = encodePrefix(0, 1, 'err');
    const lines = Array.from({ length: 20_000 }, (_, i) => `line ${String(i)} ${'x'.repeat(i % 97)}`);
    const big = Buffer.from(`${lines.join('\n')}\n`);
    const wasm = encodeWholeLinesWasm(big, 0, big.length, prefix, allocate);
    assert.equal(wasm?.count, 20_000);
    assert.deepEqual(wasm.encoded, encodeWholeLinesText(big, 0, big.length, prefix, allocate).encoded);
    const small = encodeWholeLinesWasm(Buffer.from('a\n'), 0, 2, prefix, allocate);
    assert.equal(small?.encoded.toString(), `${prefix.bytes.toString()}a\n`);
  });

  it('declines a prefix over 48 bytes, and encodeWholeLines falls back to the string path for it', () => {
    const allocate = createBufferSlab();
    const long = prefixOf(49);
    assert.equal(encodeWholeLinesWasm(Buffer.from('a\nb\n'), 0, 4, long, allocate), null);
    assert.equal(encodeWholeLines(Buffer.from('a\nb\n'), 0, 4, long, allocate).encoded.toString(), `${long.bytes.toString()}a\n${long.bytes.toString()}b\n`);
  });

  it('falls back to the string path in a process without WebAssembly (--jitless)', () => {
    const script = `import { encodeWholeLines, encodePrefix } from ${JSON.stringify(join(root, 'src', 'logs', 'encode-lines.ts'))};
import { hasWasmLineEncoder } from ${JSON.stringify(join(root, 'src', 'logs', 'encode-lines-wasm.ts'))};
import { createBufferSlab } from ${JSON.stringify(join(root, 'src', 'logs', 'create-buffer-slab.ts'))};
const out = encodeWholeLines(Buffer.from('a\\r\\nb\\n'), 0, 5, encodePrefix(0, 1, 'out'), createBufferSlab());
process.stdout.write(JSON.stringify({ wasm: hasWasmLineEncoder(), text: out.encoded.toString(), count: out.count }));`;
    const run = spawnSync(process.execPath, ['--jitless', '--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', timeout: 30_000 });
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), { wasm: false, text: '1970-01-01T00:00:00.000Z 1 out a\n1970-01-01T00:00:00.000Z 1 out b\n', count: 2 });
  });

  it('is in step with encode-lines.wat (node scripts/build-wasm.mjs regenerates it)', async () => {
    const { renderWasmModule } = await import(join(root, 'scripts', 'build-wasm.mjs')) as { renderWasmModule: (path: string) => Promise<string> };
    const rendered = await renderWasmModule(join(root, 'src', 'logs', 'encode-lines.wat'));
    assert.ok(rendered.includes(`'${ENCODE_LINES_WASM}'`), 'src/logs/encode-lines-wasm-bytes.ts is stale: run node scripts/build-wasm.mjs');
  });
});
