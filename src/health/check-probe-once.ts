// One check outside any loop (`berth status`, tests): prepared, run against the probe's timeout, closed.
import type { ResolvedProbe } from '../config/resolved-stack.js';
import { prepareProbeCheck } from './probe-registry.js';
import { readProbeTimings } from './probe-schedule.js';
import type { ProbeResult, ProbeTarget } from './probe-types.js';
import { runCheck } from './run-check.js';

/** Runs `probe` once against `target`; resolves at the latest at its timeout, after any cleanup (exec). */
export async function checkProbeOnce(probe: ResolvedProbe, target: ProbeTarget): Promise<ProbeResult> {
  const prepared = prepareProbeCheck(probe, target);
  try {
    const run = runCheck(prepared.run, readProbeTimings(probe).timeoutMs);
    const [result] = await Promise.all([run.result, run.finished]);
    return result;
  } finally {
    prepared.close();
  }
}
