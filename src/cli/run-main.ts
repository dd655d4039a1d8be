// Runs the CLI with the process's arguments; the entry point of bin/berth.js and of the daemon.
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
