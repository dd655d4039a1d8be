// Notify probe: passes once the instance writes `READY` (or systemd's `READY=1`) as a line to the pipe named in
// $BERTH_NOTIFY_FD. Reads the pipe from the moment it is prepared; a paused pipe keeps what came before.
import { makeResult } from './probe-output.js';
import { createEventLatch, type CheckPreparer } from './prepared-check.js';

// Bytes of an unterminated line kept; a child writing garbage without newlines cannot grow the daemon.
const LINE_LIMIT = 4096;

/** True for the lines that mean "ready": `READY`, or `READY=1` as systemd's sd_notify writes it. */
export function isReadyLine(line: string): boolean {
  const text = line.trim();
  return text === 'READY' || text === 'READY=1';
}

/** Listens on the instance's notify pipe; once READY arrived it stays passed. */
export const prepareNotifyCheck: CheckPreparer = (_probe, target) => {
  const stream = target.notify;
  const latch = createEventLatch();
  let ready = false;
  let ended = false;
  let pending = '';
  const onData = (chunk: Buffer | string): void => {
    if (ready) return;
    const lines = (pending + chunk.toString()).split('\n');
    pending = (lines.pop() ?? '').slice(-LINE_LIMIT);
    // Why also the unterminated rest: sd_notify-style writers send `READY=1` without a newline.
    if (lines.some(isReadyLine) || isReadyLine(pending)) {
      ready = true;
      latch.fire();
    }
  };
  const onEnd = (): void => {
    ended = true;
    latch.fire();
  };
  // Why the listeners are only removed on close: with a 'data' listener the pipe flows, and once removed Node
  // drops what arrives, so a child writing to its notify fd never blocks on a full pipe.
  stream?.on('data', onData);
  stream?.once('end', onEnd);
  stream?.once('close', onEnd);
  return {
    run: () => {
      const now = Date.now();
      if (stream === null) return Promise.resolve(makeResult(false, 'no notify pipe: the instance was started without one', now, now));
      if (ready) return Promise.resolve(makeResult(true, 'READY on the notify pipe', now, now));
      if (ended) return Promise.resolve(makeResult(false, 'the notify pipe closed before READY', now, now));
      return Promise.resolve(makeResult(false, 'no READY on the notify pipe yet', now, now));
    },
    onEvent: latch.onEvent,
    close: () => {
      stream?.off('data', onData);
      stream?.off('end', onEnd);
      stream?.off('close', onEnd);
      latch.clear();
    },
  };
};
