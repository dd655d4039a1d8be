// The log sink's line encoding in-process: the WebAssembly path (decision 0019) against the string path it replaced,
// same chunks, same process, per chunk size. Reports ns a line and the ratio (WebAssembly ÷ string).
// Run: npx tsx bench/encode-lines.bench.ts [rounds]   (under other V8 flags: node FLAGS --import tsx bench/encode-lines.bench.ts)
import { createBufferSlab } from '../src/logs/create-buffer-slab.js';
import { encodePrefix, encodeWholeLinesText } from '../src/logs/encode-lines.js';
import { encodeWholeLinesWasm } from '../src/logs/encode-lines-wasm.js';

const rounds = Number(process.argv[2] ?? 5);
const allocate = createBufferSlab();
const prefix = encodePrefix(Date.now(), 1, 'out');
type Encode = typeof encodeWholeLinesText;
const wasm: Encode = (...args) => {
  const encoded = encodeWholeLinesWasm(...args);
  if (encoded === null) throw new Error('WebAssembly is not available in this process');
  return encoded;
};

/** ns a line of `encode` on `chunk`, one timed round after a warm-up. */
function time(encode: Encode, chunk: Buffer, lines: number): number {
  const calls = Math.max(2000, Math.round(2_000_000 / lines));
  for (let i = 0; i < calls / 10; i++) encode(chunk, 0, chunk.length, prefix, allocate);
  const start = performance.now();
  for (let i = 0; i < calls; i++) encode(chunk, 0, chunk.length, prefix, allocate);
  return ((performance.now() - start) * 1e6) / calls / lines;
}

/** V8 and node flags of this process, without the loader's `--require X` / `--import X`. */
const flags = process.execArgv.filter((arg, index, all) => arg !== '--require' && arg !== '--import' && all[index - 1] !== '--require' && all[index - 1] !== '--import');
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

console.log(`encode lines: Node ${process.version}, flags [${flags.join(' ')}], ${String(rounds)} rounds, medians\n`);
console.log('| lines a chunk (120 B each) | WebAssembly, ns a line | string path, ns a line | ratio |');
console.log('|---|---|---|---|');
for (const lines of [1, 7, 546]) {
  const chunk = Buffer.from(`${'x'.repeat(119)}\n`.repeat(lines));
  const fast: number[] = [];
  const text: number[] = [];
  // Interleaved, so a burst of load hits both.
  for (let round = 0; round < rounds; round++) {
    fast.push(time(wasm, chunk, lines));
    text.push(time(encodeWholeLinesText, chunk, lines));
  }
  console.log(`| ${String(lines)} | ${median(fast).toFixed(0)} | ${median(text).toFixed(0)} | ${(median(fast) / median(text)).toFixed(2)} |`);
}
