// Log probe: passes once a line the instance printed matches the regex. Subscribes when prepared, i.e. when the
// probe loop starts with the instance, so a line printed before the first check still counts.
import { excerptText, makeResult } from './probe-output.js';
import { createEventLatch, type CheckPreparer } from './prepared-check.js';

// A regex runs on at most this much of a line, which bounds the work one huge line can cost the daemon.
const LINE_LIMIT = 64 * 1024;

/** Watches the instance's stdout and stderr for a line matching `probe.log`; once matched it stays passed. */
export const prepareLogCheck: CheckPreparer = (probe, target) => {
  let pattern: RegExp | null = null;
  let problem = 'not a log probe';
  try {
    if (probe.log !== null) pattern = new RegExp(probe.log);
  } catch (error) {
    problem = `bad log pattern: ${error instanceof Error ? error.message : String(error)}`;
  }
  const latch = createEventLatch();
  let matched: string | null = null;
  let unsubscribe: (() => void) | null = null;
  let listening = pattern !== null;
  const stopListening = (): void => {
    listening = false;
    unsubscribe?.();
    unsubscribe = null;
  };
  if (pattern !== null) {
    const regex = pattern;
    unsubscribe = target.subscribeLogs((line) => {
      // Why skip Berth's own lines: they echo probe failures, which quote the pattern and would match themselves.
      if (!listening || matched !== null || line.stream === 'berth') return;
      if (!regex.test(line.text.slice(0, LINE_LIMIT))) return;
      matched = line.text;
      // Unsubscribe after the sink has finished calling its listeners, not while it iterates them.
      queueMicrotask(stopListening);
      latch.fire();
    });
  }
  return {
    run: () => {
      const now = Date.now();
      if (pattern === null) return Promise.resolve(makeResult(false, problem, now, now));
      if (matched !== null) return Promise.resolve(makeResult(true, `matched: ${excerptText(matched)}`, now, now));
      return Promise.resolve(makeResult(false, `no output line has matched /${pattern.source}/ yet`, now, now));
    },
    onEvent: latch.onEvent,
    close: () => {
      stopListening();
      latch.clear();
    },
  };
};
