// Reads /proc/<pid>/stat: process state, process group and start time (Linux).
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcStat {
  readonly pid: number;
  /** One letter: R running, S sleeping, Z zombie, ... */
  readonly state: string;
  readonly ppid: number;
  readonly pgrp: number;
  /** Start time in clock ticks since boot: with the pid it identifies a process across pid reuse. */
  readonly startTime: number;
}

/** Parses one stat line; the command name may contain spaces and parentheses, so split after the last `)`. */
export function parseProcStat(line: string): ProcStat | undefined {
  const close = line.lastIndexOf(')');
  const pid = Number.parseInt(line, 10);
  if (close < 0 || !Number.isInteger(pid)) return undefined;
  const fields = line.slice(close + 2).split(' ');
  // fields[0] is field 3 (state) of proc(5); start time is field 22.
  const state = fields[0];
  const ppid = Number(fields[1]);
  const pgrp = Number(fields[2]);
  const startTime = Number(fields[19]);
  if (state === undefined || !Number.isInteger(pgrp) || !Number.isFinite(startTime)) return undefined;
  return { pid, state, ppid, pgrp, startTime };
}

/** The stat of one process, or undefined when it is gone. */
export function readProcStat(pid: number): ProcStat | undefined {
  try {
    return parseProcStat(readFileSync(`/proc/${String(pid)}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** True while `pid` runs: it exists and is not a zombie (whoever owns it). */
export function isProcessAlive(pid: number): boolean {
  const stat = readProcStat(pid);
  return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X';
}

/** Live (non-zombie) processes whose process group is `pgid`. */
export function listGroupMembers(pgid: number): ProcStat[] {
  const members: ProcStat[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return members;
  }
  for (const entry of entries) {
    const first = entry.charCodeAt(0);
    if (first < 48 || first > 57) continue;
    const stat = readProcStat(Number(entry));
    if (stat !== undefined && stat.pgrp === pgid && stat.state !== 'Z' && stat.state !== 'X') members.push(stat);
  }
  return members;
}
