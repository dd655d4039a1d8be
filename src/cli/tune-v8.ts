// Short-lived commands run without V8's optimizing compiler (TurboFan). Why: `berth check` on a 200-service stack
// spent half of its first load's CPU (≈130 of 265 ms, on 2 cores) compiling optimized code it finished before
// using; with `--no-opt` the same load takes ≈140 ms of CPU and its wall time stops depending on a free second
// core (docs/decisions/0016-short-commands-skip-turbofan.md). Long-running commands keep it: the daemon (its own
// process, started with its own flags) and `berth up` in the foreground, which is the daemon.
import { setFlagsFromString } from 'node:v8';

/** True when `argv` runs a command that lives as long as the stack (it needs optimized code). */
export function isLongRunning(argv: readonly string[]): boolean {
  const [command, ...rest] = argv;
  if (command === 'daemon') return true;
  if (command !== 'up') return false;
  return !rest.some((arg) => arg === '-d' || arg === '--detach' || /^-[a-zA-Z]*d/.test(arg));
}

/** Turns TurboFan off for a short-lived command; returns whether it did. Call before the command's modules load. */
export function tuneV8For(argv: readonly string[]): boolean {
  if (isLongRunning(argv)) return false;
  setFlagsFromString('--no-opt');
  return true;
}
