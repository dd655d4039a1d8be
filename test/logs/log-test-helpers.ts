// Shared by the log tests: temp folders, fixture children wired to a sink, reading files back.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { spawnProcess } from '../../src/exec/spawn-process.js';
import { parseLogLine } from '../../src/logs/parse-log-line.js';
import type { LogLine, LogSink } from '../../src/logs/log-types.js';
import { writeFiles } from '../helpers/temp-stack.js';

export const fixtures = join(import.meta.dirname, 'fixtures');

/** A fresh temporary folder, removed after the test file. */
export function tempDir(): string {
  return writeFiles({});
}

export interface ChildRun {
  readonly code: number | null;
  /** What the child wrote to stderr when stderr was not given to the sink. */
  readonly stderr: string;
}

/**
 * Runs a fixture with node through spawnProcess (so over the pipes Berth gives services, read in place
 * into one shared buffer, as the supervisor reads them); its stdout
 * (and stderr, with `bothStreams`) goes to `sink` as `instance`. Resolves once it exited and both
 * streams closed.
 */
export async function runFixture(sink: LogSink, instance: number, fixture: string, args: readonly string[], bothStreams = true): Promise<ChildRun> {
  const handle = spawnProcess({ command: { argv: [process.execPath, join(fixtures, fixture), ...args] }, cwd: fixtures, env: {}, chunksInPlace: true });
  const { stdout, stderr } = handle;
  if (stdout === null || stderr === null) throw new Error('spawnProcess gave no stdout or stderr');
  const closed = Promise.all([closedOf(stdout), closedOf(stderr)]);
  sink.attach(instance, 'out', stdout);
  let text = '';
  if (bothStreams) sink.attach(instance, 'err', stderr);
  else stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exit = await handle.exit;
  await closed;
  return { code: exit.code, stderr: text };
}

/** Resolves when `stream` has closed. */
export function closedOf(stream: Readable): Promise<void> {
  return new Promise((resolve) => stream.once('close', () => {
    resolve();
  }));
}

/** Runs the write-steps fixture with `steps`. */
export function runSteps(sink: LogSink, instance: number, steps: readonly object[]): Promise<ChildRun> {
  return runFixture(sink, instance, 'write-steps.mjs', [JSON.stringify(steps)]);
}

/** Every line of a log file, parsed; throws on a line not in the format. */
export function readLogFile(path: string, service = 'web'): LogLine[] {
  const text = readFileSync(path, 'utf8');
  if (text === '') return [];
  if (!text.endsWith('\n')) throw new Error(`${path} does not end with a newline`);
  return text.slice(0, -1).split('\n').map((line) => {
    const parsed = parseLogLine(service, line);
    if (parsed === undefined) throw new Error(`not a log line: ${JSON.stringify(line)}`);
    return parsed;
  });
}

/** The texts of `lines`. */
export function textsOf(lines: readonly LogLine[]): string[] {
  return lines.map((line) => line.text);
}

/** Resolves once `check` holds, polling; rejects after `timeoutMs`. */
export async function waitFor(check: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Resolves when `stream` has ended. */
export function ended(stream: Readable): Promise<void> {
  return new Promise((resolve) => stream.once('end', resolve));
}
