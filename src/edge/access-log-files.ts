// The primary's side of the access log: one rotating file per route, `<logDir>/<service>.<index>.access.log` (route
// id `web#0` → `web.0.access.log`), `unrouted.access.log` for requests no route matched. Appending never waits; when
// the disk falls far behind, lines are dropped and counted.
import { join } from 'node:path';
import { createLogFile, type LogFile } from '../logs/create-log-file.js';
import { nodeLogFs, type LogFs } from '../logs/log-fs.js';

export interface AccessLogFilesOptions {
  readonly dir: string;
  readonly maxSize: number;
  readonly keep: number;
  readonly fs?: LogFs;
  /** Bytes waiting for the disk per file beyond which new lines are dropped. */
  readonly maxPendingBytes?: number;
  /** Diagnostics (write failures, dropped lines), one line each, no newline. */
  readonly report: (line: string) => void;
}

export interface AccessLogFiles {
  /** Appends newline-terminated lines to the file of a route id (`''`: unrouted). */
  append(routeId: string, lines: string): void;
  close(): Promise<void>;
}

/** The file name of a route id's access log. */
export function accessLogName(routeId: string): string {
  if (routeId === '') return 'unrouted.access.log';
  const safe = routeId.replace('#', '.').replace(/[^A-Za-z0-9_.-]/g, '_');
  return `${safe.startsWith('.') ? `_${safe}` : safe}.access.log`;
}

function countLines(text: string): number {
  let lines = 0;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) lines++;
  return lines;
}

export function createAccessLogFiles(options: AccessLogFilesOptions): AccessLogFiles {
  const files = new Map<string, LogFile>();
  const maxPending = options.maxPendingBytes ?? 16 * 1024 * 1024;
  const dropped = new Map<string, number>();
  let closing = false;

  function fileFor(name: string): LogFile {
    let file = files.get(name);
    if (file === undefined) {
      file = createLogFile({
        path: join(options.dir, name),
        maxSize: options.maxSize,
        keep: options.keep,
        fs: options.fs ?? nodeLogFs,
        onLost(lines, error, first) {
          if (first) options.report(`access log ${name}: ${String(lines)} lines lost: ${String(error)}`);
        },
        onError(error) {
          options.report(`access log ${name}: rotation failed, writing on unrotated: ${String(error)}`);
        },
        onIdle: () => undefined,
      });
      files.set(name, file);
    }
    return file;
  }

  return {
    append(routeId, lines) {
      if (closing || lines.length === 0) return;
      const name = accessLogName(routeId);
      const file = fileFor(name);
      if (file.pending() > maxPending) {
        dropped.set(name, (dropped.get(name) ?? 0) + countLines(lines));
        return;
      }
      const lost = dropped.get(name);
      if (lost !== undefined) {
        dropped.delete(name);
        options.report(`access log ${name}: ${String(lost)} lines dropped (the disk fell behind)`);
      }
      file.append(Buffer.from(lines), countLines(lines));
    },
    async close() {
      closing = true;
      await Promise.all([...files.values()].map((file) => file.close()));
    },
  };
}
