// Looks through /proc for test assertions about which processes run (no orphans, the right entry point).
import { readdirSync, readFileSync } from 'node:fs';

/** Pids of live processes for which `matches(pid)` holds; a process that vanishes while looked at does not. */
export function findProcesses(matches: (pid: string) => boolean): number[] {
  return readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).filter((pid) => {
    try {
      return matches(pid);
    } catch {
      return false;
    }
  }).map(Number);
}

/** Pids whose command line (arguments joined by NUL) contains `text`. */
export function processesNaming(text: string): number[] {
  return findProcesses((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text));
}
