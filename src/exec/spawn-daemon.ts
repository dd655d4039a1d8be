// Starts the background daemon: a detached node process running Berth's own CLI, output to a log file.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

// Why resolve: `--import tsx` is resolved from the working folder, and the daemon may run elsewhere.
function resolveSpecifier(specifier: string): string {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('file:')) return specifier;
  try {
    return import.meta.resolve(specifier);
  } catch {
    return specifier;
  }
}

/** Node flags to pass on, so a daemon started from tests runs the same TypeScript loader. */
export function loaderFlags(execArgv: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < execArgv.length; i += 1) {
    const flag = execArgv[i] ?? '';
    if ((flag === '--import' || flag === '--loader' || flag === '--require' || flag === '-r') && execArgv[i + 1] !== undefined) {
      kept.push(flag, resolveSpecifier(execArgv[i + 1] ?? ''));
      i += 1;
    } else if (/^--(import|loader|require)=/.test(flag)) {
      kept.push(flag);
    }
  }
  return kept;
}

/** Spawns `node <entry> ...args` in its own session, detached from this one; returns its pid. */
export function spawnDaemon(entry: string, args: readonly string[], logFile: string, env: NodeJS.ProcessEnv): number {
  mkdirSync(dirname(logFile), { recursive: true, mode: 0o700 });
  const fd = openSync(logFile, 'a', 0o600);
  try {
    const child = spawn(process.execPath, [...loaderFlags(process.execArgv), entry, ...args], { detached: true, stdio: ['ignore', fd, fd], env });
    child.unref();
    return child.pid ?? 0;
  } finally {
    closeSync(fd);
  }
}
