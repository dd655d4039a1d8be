// Runs the CLI with the process's arguments; the entry point of bin/berth.js and of the daemon. Imports only
// the command it runs.
import { runCli } from './dispatch.js';
import { createProcessIo } from './io.js';

process.exitCode = await runCli(process.argv.slice(2), createProcessIo());
