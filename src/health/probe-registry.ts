// Which check runs for each probe kind. Recipes register their protocol checks (postgres, redis) here.
import type { ProbeKind, ResolvedProbe } from '../config/resolved-stack.js';
import { checkExec } from './exec-check.js';
import { checkHttp } from './http-check.js';
import { prepareLogCheck } from './log-check.js';
import { prepareNotifyCheck } from './notify-check.js';
import { prepareStatelessCheck, type CheckPreparer, type PreparedCheck } from './prepared-check.js';
import { makeResult } from './probe-output.js';
import type { ProbeCheck, ProbeTarget } from './probe-types.js';
import { checkTcp } from './tcp-check.js';

const BUILT_IN: Readonly<Partial<Record<ProbeKind, CheckPreparer>>> = {
  http: (probe, target) => prepareStatelessCheck(checkHttp, probe, target),
  tcp: (probe, target) => prepareStatelessCheck(checkTcp, probe, target),
  exec: (probe, target) => prepareStatelessCheck(checkExec, probe, target),
  log: prepareLogCheck,
  notify: prepareNotifyCheck,
};

const registered = new Map<ProbeKind, ProbeCheck>();

/** Registers the check for `kind` (recipes: postgres, redis), replacing any before; returns a function that removes it. */
export function registerProbeCheck(kind: ProbeKind, check: ProbeCheck): () => void {
  registered.set(kind, check);
  return () => {
    if (registered.get(kind) === check) registered.delete(kind);
  };
}

/** The check a recipe registered for `kind`, if any. */
export function findRegisteredCheck(kind: ProbeKind): ProbeCheck | undefined {
  return registered.get(kind);
}

/** Prepares the check for `probe` against one instance; a kind with no check fails closed, every time. */
export function prepareProbeCheck(probe: ResolvedProbe, target: ProbeTarget): PreparedCheck {
  const check = registered.get(probe.kind);
  if (check !== undefined) return prepareStatelessCheck(check, probe, target);
  const builtIn = BUILT_IN[probe.kind];
  if (builtIn !== undefined) return builtIn(probe, target);
  const output = `no ${probe.kind} check is registered (the ${probe.kind} recipe provides it), so this probe cannot pass`;
  return { run: () => Promise.resolve(makeResult(false, output, Date.now())), close: () => undefined };
}
