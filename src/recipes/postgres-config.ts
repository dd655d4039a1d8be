// The settings Berth writes for a postgres recipe (`berth.conf` in the data folder, included last from
// postgresql.conf): where it listens, memory sized to the machine, and the user's `settings:` on top.
import { totalmem } from 'node:os';

const MB = 1024 * 1024;

/** Memory defaults for a server that shares the machine with its apps: shared_buffers an eighth of RAM
 * (128 MB to 1 GB), effective_cache_size half of RAM. */
export function defaultMemorySettings(totalBytes = totalmem()): Record<string, string> {
  const shared = Math.min(1024, Math.max(128, Math.floor(totalBytes / MB / 8)));
  return {
    shared_buffers: `${String(shared)}MB`,
    effective_cache_size: `${String(Math.max(256, Math.floor(totalBytes / MB / 2)))}MB`,
    maintenance_work_mem: '64MB',
    work_mem: '8MB',
  };
}

export interface PostgresConfigInput {
  readonly port: number;
  readonly socketDir: string;
  readonly settings: Readonly<Record<string, string>>;
  readonly totalMemory?: number;
}

/** The text of berth.conf; later lines win, so the user's settings come last. */
export function renderPostgresConfig(input: PostgresConfigInput): string {
  const values: Record<string, string> = {
    ...defaultMemorySettings(input.totalMemory),
    password_encryption: 'scram-sha-256',
    ...input.settings,
    // Where it listens is Berth's to decide: dependents are given this address.
    port: String(input.port),
    listen_addresses: '127.0.0.1',
    unix_socket_directories: input.socketDir,
  };
  const lines = ['# Written by Berth on every start; edit `settings:` in berth.yml instead.'];
  for (const [key, value] of Object.entries(values)) lines.push(`${key} = ${quote(value)}`);
  return `${lines.join('\n')}\n`;
}

function quote(value: string): string {
  return /^-?\d+(\.\d+)?$/.test(value) || /^(on|off|true|false)$/i.test(value) ? value : `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/** The line postgresql.conf needs (once) to read berth.conf. */
export const INCLUDE_LINE = "include_if_exists = 'berth.conf'\t# added by Berth";
