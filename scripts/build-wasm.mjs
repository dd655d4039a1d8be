// Assembles src/logs/encode-lines.wat into src/logs/encode-lines-wasm-bytes.ts (base64), with wabt.
// Run: node scripts/build-wasm.mjs   (test/logs/encode-lines-wasm.test.ts fails when the two differ)
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import createWabt from 'wabt';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The TypeScript module holding the assembled bytes of `watPath`. */
export async function renderWasmModule(watPath) {
  const wabt = await createWabt();
  const parsed = wabt.parseWat(watPath, readFileSync(watPath, 'utf8'), { simd: true });
  try {
    const { buffer } = parsed.toBinary({});
    return `// Generated from encode-lines.wat by \`node scripts/build-wasm.mjs\`; do not edit.\nexport const ENCODE_LINES_WASM = '${Buffer.from(buffer).toString('base64')}';\n`;
  } finally {
    parsed.destroy();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = join(root, 'src', 'logs', 'encode-lines-wasm-bytes.ts');
  writeFileSync(out, await renderWasmModule(join(root, 'src', 'logs', 'encode-lines.wat')));
  console.log(`wrote ${out}`);
}
