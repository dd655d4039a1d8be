#!/usr/bin/env node
// Entry point of the `berth` command: runs the compiled CLI.
import '../dist/cli/run-main.js';
