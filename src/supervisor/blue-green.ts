// The steps of a blue/green replacement, apart from the supervisor's bookkeeping: start the new instances, wait
// until every one is ready (or give up and stop them), promote them, let the caller move traffic and drain the old
// ones, then stop the old ones. The supervisor supplies the bookkeeping as callbacks (see replaceBlueGreen).
import type { Upstream } from '../edge/edge-types.js';
import type { InstanceRunner } from './instance-runner.js';
import type { EventListener, InstanceStatus } from './supervisor-types.js';

export interface BlueGreenHooks<T> {
  /** Moves traffic to the new instances; they are the service's current ones when this runs. */
  swap(): Promise<void>;
  /** Waits until the old instances' requests are done (up to the caller's deadline) and reports. */
  drain(old: readonly Upstream[]): Promise<T>;
}

export type BlueGreenResult<T> =
  | { readonly ok: true; readonly drained: T; readonly instances: readonly InstanceStatus[] }
  | { readonly ok: false; readonly reason: string; readonly failing?: readonly InstanceStatus[] };

export interface BlueGreenRun<T> {
  readonly name: string;
  readonly fresh: readonly InstanceRunner[];
  readonly readyTimeoutMs: number;
  readonly hooks: BlueGreenHooks<T>;
  readonly subscribe: (listener: EventListener) => () => void;
  /** The ready addresses of the instances serving now (read just before the swap). */
  readonly oldUpstreams: () => Upstream[];
  readonly promote: () => void;
  readonly abandon: () => void;
  readonly retire: () => void;
  readonly stopOld: () => Promise<unknown>;
}

type Gate = { readonly ok: true } | { readonly ok: false; readonly reason: string; readonly failing: readonly InstanceStatus[] };

const isReady = (s: InstanceStatus): boolean => s.phase === 'running' && s.ready !== false;
/** For a gate (a swap, a deploy), a crash before ready is a failure: a new version that crashes once is not promoted. */
export const isBroken = (s: InstanceStatus): boolean => s.phase === 'failed' || s.phase === 'exited' || s.phase === 'backoff' || s.phase === 'stopped' || s.crashLoop;

/** Resolves when every new instance is ready, one of them broke, or the time is up. */
function gateOnReadiness(run: BlueGreenRun<unknown>): Promise<Gate> {
  const decide = (atDeadline: boolean): Gate | null => {
    const statuses = run.fresh.map((r) => r.status());
    const broken = statuses.filter(isBroken);
    if (broken.length > 0) return { ok: false, reason: `new instance of ${run.name} did not start: ${broken.map((s) => s.reason ?? s.phase).join('; ')}`, failing: broken };
    if (statuses.every(isReady)) return { ok: true };
    if (atDeadline) return { ok: false, reason: `new instance of ${run.name} not ready within ${String(run.readyTimeoutMs)} ms`, failing: statuses.filter((s) => !isReady(s)) };
    return null;
  };
  return new Promise<Gate>((resolve) => {
    const finish = (gate: Gate): void => {
      unsubscribe();
      clearTimeout(limit);
      resolve(gate);
    };
    const unsubscribe = run.subscribe((event) => {
      if (event.type !== 'state') return;
      const gate = decide(false);
      if (gate !== null) finish(gate);
    });
    const limit = setTimeout(() => {
      finish(decide(true) ?? { ok: true });
    }, run.readyTimeoutMs);
    for (const runner of run.fresh) runner.start();
    const now = decide(false);
    if (now !== null) finish(now);
  });
}

/** Runs one replacement; never throws for a failed gate (the old instances keep serving). */
export async function runBlueGreen<T>(run: BlueGreenRun<T>): Promise<BlueGreenResult<T>> {
  const gate = await gateOnReadiness(run);
  if (!gate.ok) {
    await Promise.all(run.fresh.map((runner) => runner.stop()));
    run.abandon();
    return { ok: false, reason: gate.reason, failing: gate.failing };
  }
  const old = run.oldUpstreams();
  run.promote();
  try {
    await run.hooks.swap();
    const drained = await run.hooks.drain(old);
    return { ok: true, drained, instances: run.fresh.map((r) => r.status()) };
  } finally {
    // Whatever the traffic side reported, the old set is retired: the new one is ready and current.
    await run.stopOld();
    run.retire();
  }
}
