// The log sink's fast path in WebAssembly (encode-lines.wat): a chunk's whole lines to the file form in one SIMD pass.
import type { Allocate } from './create-buffer-slab.js';
import { ENCODE_LINES_WASM } from './encode-lines-wasm-bytes.js';
import type { EncodedLines, LinePrefix } from './encode-lines.js';

// The few WebAssembly types used here (@types/node does not declare the global; lib "dom" is not loaded).
interface WasmApi {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object, imports: object) => { readonly exports: object };
}
interface Exports {
  readonly memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  readonly encode: (input: number, length: number, prefix: number, prefixLength: number, output: number) => number;
  readonly count: { readonly value: number };
}
interface Encoder extends Exports {
  bytes: Uint8Array;
}

/** The longest prefix the module stores whole (three 16-byte vectors). */
const MAX_PREFIX = 48;
const PREFIX_AT = 0;
const INPUT_AT = 64;
/** Bytes the module may read past the input and store past the output. */
const SLACK = 64;
const PAGE = 65_536;

let encoder: Encoder | null | undefined;

// Why a fallback at all: WebAssembly is absent under --jitless and --lite-mode, and a build without SIMD would
// refuse the module; then the sink uses the string path in encode-lines.ts (same output, ≈ 5× the CPU a line).
function loadEncoder(): Encoder | null {
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (wasm === undefined) return null;
  try {
    const instance = new wasm.Instance(new wasm.Module(Buffer.from(ENCODE_LINES_WASM, 'base64')), {});
    const { memory, encode, count } = instance.exports as Exports;
    return { memory, encode, count, bytes: new Uint8Array(memory.buffer) };
  } catch {
    return null;
  }
}

/** Whether the WebAssembly path is in use in this process. */
export function hasWasmLineEncoder(): boolean {
  encoder ??= loadEncoder();
  return encoder !== null;
}

/**
 * `head` (the held start of the first line) + `chunk[start, end)`, which ends with a newline, as lines in the file
 * form, exactly what encodeWholeLinesText makes; null when WebAssembly is not available or the prefix is too long.
 */
export function encodeWholeLinesWasm(chunk: Buffer, start: number, end: number, prefix: LinePrefix, allocate: Allocate, head?: Buffer): EncodedLines | null {
  encoder ??= loadEncoder();
  const prefixBytes = prefix.bytes;
  if (encoder === null || prefixBytes.length > MAX_PREFIX) return null;
  const headLength = head?.length ?? 0;
  const length = headLength + end - start;
  const output = (INPUT_AT + length + SLACK + 15) & ~15;
  // Each byte a line at worst: every input byte plus a prefix and a newline per byte.
  const needed = output + prefixBytes.length + length * (1 + prefixBytes.length) + SLACK;
  if (needed > encoder.memory.buffer.byteLength) {
    encoder.memory.grow(Math.ceil((needed - encoder.memory.buffer.byteLength) / PAGE));
    encoder.bytes = new Uint8Array(encoder.memory.buffer);
  }
  const { bytes } = encoder;
  bytes.set(prefixBytes, PREFIX_AT);
  if (head !== undefined) bytes.set(head, INPUT_AT);
  bytes.set(chunk.subarray(start, end), INPUT_AT + headLength);
  const size = encoder.encode(INPUT_AT, length, PREFIX_AT, prefixBytes.length, output);
  const encoded = allocate(size);
  encoded.set(bytes.subarray(output, output + size));
  return { encoded, count: encoder.count.value };
}
