// A check made ready for one instance and one probe loop. Event-driven kinds (log, notify) start listening when
// prepared, so nothing the instance prints between two checks is missed.
import type { ResolvedProbe } from '../config/resolved-stack.js';
import type { ProbeCheck, ProbeTarget } from './probe-types.js';
import type { SignalledCheck } from './run-check.js';

export interface PreparedCheck {
  /** One check; the signal aborts at the probe's timeout. */
  readonly run: SignalledCheck;
  /** Event-driven checks call `listener` when what they wait for arrived, so the loop can check at once. */
  readonly onEvent?: (listener: () => void) => void;
  /** Stops listening; the check must not be run afterwards. */
  close(): void;
}

/** Prepares one kind of check for an instance. */
export type CheckPreparer = (probe: ResolvedProbe, target: ProbeTarget) => PreparedCheck;

/** Wraps a stateless check (http, tcp, exec, a recipe's protocol check): nothing to listen to, nothing to close. */
export function prepareStatelessCheck(check: ProbeCheck, probe: ResolvedProbe, target: ProbeTarget): PreparedCheck {
  return { run: (signal) => check(probe, target, signal), close: () => undefined };
}

/** A latch for event-driven checks: remembers that the event happened and wakes whoever waits. */
export function createEventLatch(): { readonly fire: () => void; readonly onEvent: (listener: () => void) => void; readonly clear: () => void } {
  let listeners: (() => void)[] = [];
  return {
    fire: () => {
      for (const listener of [...listeners]) listener();
    },
    onEvent: (listener) => {
      listeners.push(listener);
    },
    clear: () => {
      listeners = [];
    },
  };
}
