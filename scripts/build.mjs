// `npm run build`: bundles src/ into dist/ with esbuild, the form `bin/berth.js` runs (decision 0017).
// Two entries, the CLI (also the daemon) and the edge process; every other output file is a chunk in dist/cli/,
// which src/shared/entry-points.ts relies on. Dependencies stay in node_modules (better-sqlite3 is native).
// Usage: node scripts/build.mjs [OUTDIR]   (default dist; the benchmarks build into their own cache folder)
import { rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = resolve(root, process.argv[2] ?? 'dist');

rmSync(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: ['src/cli/run-main.ts', 'src/edge/edge-main.ts'],
  outbase: 'src',
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  chunkNames: 'cli/[name]-[hash]',
  logLevel: 'warning',
});
