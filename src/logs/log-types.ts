// Shapes shared by the log sink, the supervisor, the API and `berth logs`.

export type LogStream = 'out' | 'err' | 'berth';

/** One line a service printed (or Berth said about it), with its time and origin. */
export interface LogLine {
  readonly service: string;
  /** Instance number, from 1; 0 for lines about the service as a whole. */
  readonly instance: number;
  readonly stream: LogStream;
  /** Milliseconds since the epoch. */
  readonly time: number;
  readonly text: string;
}

export type LogListener = (line: LogLine) => void;

/** Everything a service's output goes through: files under .berth/logs, a ring of recent lines, listeners. */
export interface LogSink {
  /**
   * Drains a child's stdout or stderr; never pauses it, whatever the disk does. Keeps nothing of a
   * 'data' chunk after its listener returns, so the source may reuse one buffer (pipeReaderInPlace).
   */
  attach(instance: number, stream: 'out' | 'err', source: NodeJS.ReadableStream): void;
  /** Writes a line of Berth's own (state changes, probe failures). */
  write(instance: number, text: string): void;
  /** Calls `listener` for every new line; returns an unsubscribe function. */
  subscribe(listener: LogListener): () => void;
  /** The last `count` lines kept in memory (newest last). */
  recent(count: number): LogLine[];
  /** Lines dropped because the disk could not keep up (never blocks the child instead). */
  dropped(): number;
  /** Flushes and closes the file. */
  close(): Promise<void>;
}
