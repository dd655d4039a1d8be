// `berth logs -f`: the backlog, then every new line of the selected services as it is written.
import { listLogServices } from './list-log-files.js';
import type { LogLine } from './log-types.js';
import { mergeByTime, type ReadLogsOptions } from './read-logs.js';
import { openLogTail, type LogTail } from './tail-log-file.js';

export interface FollowLogsOptions extends ReadLogsOptions {
  /** Called with each line, oldest first: the backlog (`lines`, `since`), then new lines. */
  readonly onLine: (line: LogLine) => void;
  /** How often the files are checked for new lines (default 100 ms). */
  readonly pollMs?: number;
  /** Told about read errors and a throwing `onLine`; following goes on. */
  readonly onError?: (error: unknown) => void;
}

export interface LogFollower {
  /** Resolves once the backlog has been delivered and following has begun. */
  readonly ready: Promise<void>;
  /** Stops following and closes the files; resolves when nothing more will be delivered. */
  stop(): Promise<void>;
}

export const DEFAULT_POLL_MS = 100;

/**
 * Follows the selected services (every service, including ones whose file appears later, when
 * none are named). Why polling rather than fs.watch: watch events are lost across renames and
 * differ by platform, and a tenth of a second is quick enough for a person reading logs.
 */
export function followLogs(options: FollowLogsOptions): LogFollower {
  const { dir, onLine } = options;
  const pollMs = options.pollMs ?? DEFAULT_POLL_MS;
  const named = options.services !== undefined && options.services.length > 0;
  const tails = new Map<string, LogTail>();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let ticking: Promise<void> = Promise.resolve();

  const report = (error: unknown): void => {
    try {
      options.onError?.(error);
    } catch {
      // Nowhere left to report to.
    }
  };
  const deliver = (lines: readonly LogLine[]): void => {
    for (const line of lines) {
      if (stopped) return;
      try {
        onLine(line);
      } catch (error) {
        report(error);
      }
    }
  };

  async function discover(fromStart: boolean): Promise<LogLine[][]> {
    const services = named ? [...new Set(options.services)] : await listLogServices(dir);
    const fresh = services.filter((service) => !tails.has(service));
    const opened = await Promise.all(fresh.map((service) => openLogTail(dir, service, options, fromStart)));
    return fresh.map((service, index) => {
      const entry = opened[index] as (typeof opened)[number];
      tails.set(service, entry.tail);
      return entry.backlog;
    });
  }

  async function tick(): Promise<void> {
    try {
      if (!named) await discover(true);
      const batches = await Promise.all([...tails.values()].map((tail) => tail.poll()));
      deliver(mergeByTime(batches));
    } catch (error) {
      report(error);
    }
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      ticking = tick().finally(schedule);
    }, pollMs);
  }

  const ready = (async () => {
    const backlog = mergeByTime(await discover(false));
    const count = options.lines;
    deliver(count === undefined || backlog.length <= count ? backlog : backlog.slice(backlog.length - Math.max(0, count)));
  })()
    .catch(report)
    .finally(schedule);

  return {
    ready,
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      await ready;
      await ticking;
      if (timer !== undefined) clearTimeout(timer);
      await Promise.all([...tails.values()].map((tail) => tail.close().catch(report)));
      tails.clear();
    },
  };
}
