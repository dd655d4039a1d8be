// Records of running process groups under .berth/run/, so a daemon that starts after a crashed one
// can find and stop what was left: no orphans, no duplicates.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { listGroupMembers, readProcStat } from './proc-stat.js';
import { stopProcessGroup } from './stop-process-group.js';

export interface ProcessRecord {
  readonly service: string;
  readonly instance: number;
  readonly pid: number;
  readonly pgid: number;
  readonly startTime: number;
}

const fileOf = (runDir: string, service: string, instance: number): string => join(runDir, `${service}.${String(instance)}.json`);

/** Writes a record atomically (write, then rename). */
export function writeProcessRecord(runDir: string, record: ProcessRecord): void {
  mkdirSync(runDir, { recursive: true, mode: 0o700 });
  const file = fileOf(runDir, record.service, record.instance);
  writeFileSync(`${file}.tmp`, JSON.stringify(record), { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

/** Removes the record of an instance that stopped. */
export function removeProcessRecord(runDir: string, service: string, instance: number): void {
  rmSync(fileOf(runDir, service, instance), { force: true });
}

/** Every readable record in the folder; unreadable ones are skipped. */
export function readProcessRecords(runDir: string): ProcessRecord[] {
  let names: string[];
  try {
    names = readdirSync(runDir);
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    if (!name.endsWith('.json')) return [];
    try {
      const record = JSON.parse(readFileSync(join(runDir, name), 'utf8')) as ProcessRecord;
      return Number.isInteger(record.pgid) && record.pgid > 1 ? [record] : [];
    } catch {
      return [];
    }
  });
}

/** True when the group still has members and its leader's pid was not reused by someone else. */
export function isOurGroup(record: ProcessRecord): boolean {
  const leader = readProcStat(record.pgid);
  if (leader !== undefined && leader.state !== 'Z' && leader.startTime !== record.startTime) return false;
  return listGroupMembers(record.pgid).length > 0;
}

/** Stops every group a previous daemon left running and clears the records; returns what was reaped. */
export async function reapLeftovers(runDir: string, timeoutMs = 2000): Promise<ProcessRecord[]> {
  const reaped: ProcessRecord[] = [];
  for (const record of readProcessRecords(runDir)) {
    if (isOurGroup(record)) {
      await stopProcessGroup(record.pgid, 'SIGTERM', timeoutMs);
      reaped.push(record);
    }
    removeProcessRecord(runDir, record.service, record.instance);
  }
  return reaped;
}
