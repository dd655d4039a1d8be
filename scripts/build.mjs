// `npm run build`: bundles src/ into dist/ with esbuild, the form `bin/berth.js` runs (decision 0017).
// Two entries, the CLI (also the daemon) and the edge process; every other output file is a chunk in dist/cli/,
// which src/shared/entry-points.ts relies on. The native addon and the clients some stacks use stay in node_modules;
// the small pure-JS libraries are bundled (EXTERNAL below).
// Usage: node scripts/build.mjs [OUTDIR]   (default dist; the benchmarks build into their own cache folder)
import { rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = resolve(root, process.argv[2] ?? 'dist');

// Kept in node_modules: the native addon, and the clients only some stacks use (each loaded lazily). The small
// pure-JS libraries the stack checker needs (zod, yaml, js-yaml, ...) are bundled: loaded as ≈ 100 separate ES
// modules, zod alone cost ≈ 75 ms of every `check` and `up`, bundled ≈ 35 ms (docs/benchmarks.md, P2).
const EXTERNAL = ['better-sqlite3', 'pg', 'redis', 'acme-client', 'nodemailer', 'undici'];

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
  external: EXTERNAL,
  // Bundled CommonJS dependencies (yaml) call require() for Node's built-ins, which an ES module lacks.
  banner: { js: "import { createRequire as __berthCreateRequire } from 'node:module'; const require = __berthCreateRequire(import.meta.url);" },
  chunkNames: 'cli/[name]-[hash]',
  logLevel: 'warning',
});
