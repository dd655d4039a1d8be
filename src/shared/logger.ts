// A minimal structured logger: one JSON object a line ({time, level, msg, ...fields}) to a stream or a
// file. Used by the daemon; the CLI writes to the terminal through its CliIo instead.
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const RANK: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  readonly debug: (msg: string, fields?: LogFields) => void;
  readonly info: (msg: string, fields?: LogFields) => void;
  readonly warn: (msg: string, fields?: LogFields) => void;
  readonly error: (msg: string, fields?: LogFields) => void;
  /** A logger that adds `fields` to every line. */
  readonly child: (fields: LogFields) => Logger;
}

export interface LoggerOptions {
  /** Receives one complete line, newline included. Its failures are swallowed: logging never breaks the caller. */
  readonly write: (line: string) => void;
  /** Lines below this level are dropped (default info). */
  readonly level?: LogLevel;
  readonly fields?: LogFields;
  readonly now?: () => number;
}

/** True when `text` names a level. */
export function isLogLevel(text: string | undefined): text is LogLevel {
  return text !== undefined && Object.hasOwn(RANK, text);
}

// Errors do not survive JSON.stringify (their fields are not enumerable); keep what helps.
function toJson(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message, ...('code' in value ? { code: value.code } : {}) };
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/** Formats one line; never throws (unserialisable fields are replaced by a note). */
export function formatLogLine(time: number, level: LogLevel, msg: string, fields: LogFields): string {
  const record = { time: new Date(time).toISOString(), level, msg, ...fields };
  try {
    return `${JSON.stringify(record, toJson)}\n`;
  } catch {
    return `${JSON.stringify({ time: record.time, level, msg, note: 'fields could not be serialised' })}\n`;
  }
}

export function createLogger(options: LoggerOptions): Logger {
  const threshold = RANK[options.level ?? 'info'];
  const now = options.now ?? Date.now;
  const base = options.fields ?? {};
  const log = (level: LogLevel) => (msg: string, fields: LogFields = {}): void => {
    if (RANK[level] < threshold) return;
    try {
      options.write(formatLogLine(now(), level, msg, { ...base, ...fields }));
    } catch {
      // A full disk or a closed stream must not take the daemon down with it.
    }
  };
  return {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    child: (fields) => createLogger({ ...options, fields: { ...base, ...fields } }),
  };
}

/** A logger that appends to `file` (created 0600 with its folder), synchronously so no line is lost at exit. */
export function createFileLogger(file: string, level: LogLevel = 'info'): Logger {
  let ready = false;
  return createLogger({
    level,
    write: (line) => {
      if (!ready) {
        mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
        ready = true;
      }
      appendFileSync(file, line, { mode: 0o600 });
    },
  });
}

/** A logger that writes to a stream (stderr, a test's PassThrough). */
export function createStreamLogger(stream: NodeJS.WritableStream, level: LogLevel = 'info'): Logger {
  return createLogger({ level, write: (line) => void stream.write(line) });
}

/** A logger that drops everything. */
export const SILENT_LOGGER: Logger = createLogger({ level: 'error', write: () => undefined, fields: {} });
