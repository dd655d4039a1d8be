// Runs the CLI with the process's arguments; the entry point of bin/berth.js and of the daemon. Imports only
// the command it runs, after tuning V8 for how long that command lives (tune-v8.ts; dispatch.ts and io.ts are
// light: the command's own modules load later, inside runCli).
import { runCli } from './dispatch.js';
import { createProcessIo } from './io.js';
import { tuneV8For } from './tune-v8.js';

tuneV8For(process.argv.slice(2));
process.exitCode = await runCli(process.argv.slice(2), createProcessIo());
