// Exec probe: runs the probe command with the instance's env and cwd in its own process group; exit 0 passes.
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnProcess, type ExitInfo } from '../exec/spawn-process.js';
import { stopProcessGroup } from '../exec/stop-process-group.js';
import { makeResult, redactOutput, tailLines } from './probe-output.js';
import type { ProbeCheck } from './probe-types.js';

/** Grace between SIGTERM and SIGKILL when a probe command is cut off (or leaves children behind). */
export const EXEC_KILL_GRACE_MS = 200;
// Output kept in memory per run: enough for the last lines, never the whole of a chatty command.
const KEEP_BYTES = 8 * 1024;
// How long to wait for the pipes to drain once the group is gone (a process outside it may hold them).
const DRAIN_MS = 100;

/** Runs the command; passes on exit 0. Output: the exit code and the last lines it printed, secrets blanked. */
export const checkExec: ProbeCheck = async (probe, target, signal) => {
  const startedAt = Date.now();
  if (probe.exec === null) return makeResult(false, 'not an exec probe', startedAt);
  if (signal.aborted) return makeResult(false, 'aborted before it started', startedAt);
  const handle = spawnProcess({ command: probe.exec, cwd: target.cwd, env: target.env });
  const output = collectOutput([handle.stdout, handle.stderr]);
  const aborted = new Promise<string>((resolve) => {
    signal.addEventListener(
      'abort',
      () => {
        resolve(signal.reason instanceof Error ? signal.reason.message : 'aborted');
      },
      { once: true },
    );
  });
  const outcome = await Promise.race([handle.exit, aborted]);
  // Why always stop the group: a timed-out command, or one that left `sleep &` behind, must not pile up every interval.
  if (handle.pgid !== 0) await stopProcessGroup(handle.pgid, 'SIGTERM', EXEC_KILL_GRACE_MS);
  await Promise.race([output.ended, sleep(DRAIN_MS)]);
  output.release();
  const tail = redactOutput(tailLines(output.text()), target.env);
  const withTail = (head: string): string => (tail === '' ? head : `${head}: ${tail}`);
  if (typeof outcome === 'string') return makeResult(false, withTail(`${outcome}; killed the probe command and its children`), startedAt);
  return makeResult(outcome.code === 0, withTail(describeExit(outcome)), startedAt);
};

function describeExit(exit: ExitInfo): string {
  if (exit.error !== undefined) return `could not start: ${exit.error}`;
  if (exit.signal !== null) return `killed by ${exit.signal}`;
  return `exit ${String(exit.code)}`;
}

/** Keeps the last KEEP_BYTES of what the streams print, interleaved in arrival order. */
function collectOutput(streams: readonly (Readable | null)[]): { text(): string; ended: Promise<void>; release(): void } {
  let kept = Buffer.alloc(0);
  const live = streams.filter((stream): stream is Readable => stream !== null);
  const ended = Promise.all(
    live.map(
      (stream) =>
        new Promise<void>((resolve) => {
          stream.on('data', (chunk: Buffer) => {
            kept = Buffer.concat([kept, chunk]);
            if (kept.length > KEEP_BYTES) kept = kept.subarray(kept.length - KEEP_BYTES);
          });
          stream.once('close', resolve);
          stream.once('error', () => {
            resolve();
          });
        }),
    ),
  ).then(() => undefined);
  return {
    text: () => kept.toString('utf8'),
    ended,
    release: () => {
      for (const stream of live) stream.destroy();
    },
  };
}
