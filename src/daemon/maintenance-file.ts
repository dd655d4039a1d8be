// Which services are in maintenance, kept in .berth/maintenance.json so a daemon restart (or crash) never puts a
// site back online that someone took down on purpose.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const fileOf = (stateDir: string): string => join(stateDir, 'maintenance.json');

/** The services in maintenance; none when the file is missing or unreadable. */
export function readMaintenance(stateDir: string): string[] {
  try {
    const parsed: unknown = JSON.parse(readFileSync(fileOf(stateDir), 'utf8'));
    const services = (parsed as { services?: unknown }).services;
    return Array.isArray(services) ? services.filter((name): name is string => typeof name === 'string') : [];
  } catch {
    return [];
  }
}

/** Replaces the list atomically (write, then rename). */
export function writeMaintenance(stateDir: string, services: readonly string[]): void {
  const file = fileOf(stateDir);
  writeFileSync(`${file}.tmp`, `${JSON.stringify({ services: [...services].sort() })}\n`, { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}
