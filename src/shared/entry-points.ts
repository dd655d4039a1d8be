// Where Berth's runnable entry points are, for the processes it spawns (the daemon, the edge) and the unit it writes.
import { fileURLToPath } from 'node:url';

// Why every path starts from this module and goes up exactly one folder: the same code runs from three layouts,
// src/shared/ (tsx, tests), dist/shared/ (plain tsc) and the esbuild bundle, where this module's code lands in
// dist/cli/ (an entry or a chunk: scripts/build.mjs puts every chunk there). A path relative to the module that
// asks (`new URL('../run-main.js', import.meta.url)` in a command) breaks once that module is in a chunk.
const up = (path: string): string => fileURLToPath(new URL(`../${path}`, import.meta.url));

/** The CLI's entry (`cli/run-main`), which the daemon is started with. Under tsx the `.js` path is resolved to its `.ts` file. */
export function cliEntry(): string {
  return up('cli/run-main.js');
}

/** The edge process's entry (`edge/edge-main`). */
export function edgeEntry(): string {
  return up('edge/edge-main.js');
}

/** `bin/berth.js` of the installed package, for the systemd unit. */
export function binEntry(): string {
  return up('../bin/berth.js');
}
