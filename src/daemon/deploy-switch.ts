// How a deploy moves one service to its new definition (the supervisor's stack already points at it) and back:
// blue-green through the edge (zero failed requests), overlap (new ready, then old stopped), replace (old stopped,
// then new started), start (a new service) and the verification window that decides whether the new version stays.
import { isBroken } from '../supervisor/blue-green.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import type { InstanceStatus } from '../supervisor/supervisor-types.js';
import type { ActionResult, SwitchAction } from '../deploy/run-deploy.js';
import { parseDuration } from '../shared/duration.js';
import type { EdgeController } from './edge-controller.js';

export interface SwitchContext {
  readonly supervisor: Supervisor;
  readonly edge: EdgeController | null;
}

const DRAIN_MS = 30_000;
const LOG_LINES = 20;

/** How long new instances may take to get ready: the service's start timeout plus a margin for the spawn. */
function readyTimeoutOf(context: SwitchContext, name: string): number {
  const service = context.supervisor.stack.services[name];
  const probe = service?.startup ?? service?.ready ?? null;
  return (parseDuration(probe?.start_timeout ?? '60s') ?? 60_000) + 5_000;
}

/** The last log lines of the named instances (all of the service's when none are named). */
export function instanceLogs(supervisor: Supervisor, name: string, instances: readonly number[] = []): string[] {
  return supervisor.logs(name).recent(500).filter((line) => instances.length === 0 || instances.includes(line.instance)).slice(-LOG_LINES).map((line) => `${name}.${String(line.instance)} | ${line.text}`);
}

const isUp = (s: InstanceStatus): boolean => s.phase === 'completed' || (s.phase === 'running' && s.ready !== false);

/** Waits until a service's current instances are all up (a one-shot: completed), one broke, or the time is up. */
export function waitService(supervisor: Supervisor, name: string, timeoutMs: number): Promise<ActionResult> {
  // A one-shot that runs is not done: its dependents (`condition: completed`) switch only after it exits 0.
  const oneshot = supervisor.stack.services[name]?.oneshot === true;
  const done = (s: InstanceStatus): boolean => (oneshot ? s.phase === 'completed' : isUp(s));
  const decide = (atDeadline: boolean): ActionResult | null => {
    const statuses = supervisor.status().filter((s) => s.service === name);
    const broken = statuses.filter(isBroken);
    const failing = (list: InstanceStatus[]): ActionResult => ({ ok: false, detail: list.map((s) => `${name}.${String(s.instance)} ${s.phase}${s.reason === null ? '' : ` (${s.reason})`}`).join('; '), logs: instanceLogs(supervisor, name, list.map((s) => s.instance)) });
    if (broken.length > 0) return failing(broken);
    if (statuses.length > 0 && statuses.every(done)) return { ok: true };
    if (atDeadline) return failing(statuses.filter((s) => !done(s)));
    return null;
  };
  return new Promise((resolve) => {
    const finish = (result: ActionResult): void => {
      unsubscribe();
      clearTimeout(limit);
      resolve(result);
    };
    const unsubscribe = supervisor.subscribe((event) => {
      if (event.type !== 'state' || event.status.service !== name) return;
      const result = decide(false);
      if (result !== null) finish(result);
    });
    const limit = setTimeout(() => {
      finish(decide(true) ?? { ok: true });
    }, timeoutMs);
    // The runners may have been created this tick and not started yet: decide after the supervisor's pass.
    setImmediate(() => {
      const result = decide(false);
      if (result !== null) finish(result);
    });
  });
}

const running = (supervisor: Supervisor, name: string): boolean => supervisor.status().some((s) => s.service === name && s.phase === 'running');

/** Moves a service to the definition in the supervisor's stack by the given strategy. */
export async function switchService(context: SwitchContext, name: string, action: SwitchAction): Promise<ActionResult> {
  const { supervisor, edge } = context;
  const service = supervisor.stack.services[name];
  if (service === undefined) return { ok: false, detail: `${name} is not in the stack` };
  if (service.kind === 'static') {
    await edge?.refresh();
    return { ok: true };
  }
  const timeout = readyTimeoutOf(context, name);
  if ((action === 'blue-green' || action === 'overlap') && running(supervisor, name)) {
    const routed = action === 'blue-green' && edge !== null && service.routes.length > 0;
    const result = routed ? await edge.swap(name, DRAIN_MS, timeout) : await supervisor.replaceOverlap(name, timeout);
    if (result.ok) return { ok: true };
    const failing = result.failing ?? [];
    return { ok: false, oldUntouched: true, detail: result.reason, logs: instanceLogs(supervisor, name, failing.map((s) => s.instance)) };
  }
  if (action === 'start' || !supervisor.status().some((s) => s.service === name)) await supervisor.up([name]);
  else await supervisor.restart([name]);
  const result = await waitService(supervisor, name, timeout);
  await edge?.refresh();
  return result;
}

/** Undoes a service step; the supervisor's stack already points back at the old definitions. */
export async function unswitchService(context: SwitchContext, name: string, action: SwitchAction | 'stop'): Promise<ActionResult> {
  const { supervisor, edge } = context;
  if (action === 'start') {
    await supervisor.remove(name);
    await edge?.refresh();
    return { ok: true };
  }
  if (action === 'stop') return switchService(context, name, 'start');
  return switchService(context, name, action);
}

/**
 * The verification window: for `windowMs` the deployed services must not crash, restart on a failed live probe or
 * lose readiness; at the end every instance of them must be up. Anything else fails it (the caller rolls back).
 */
export function watchVerifyWindow(supervisor: Supervisor, services: readonly string[], windowMs: number, signal: AbortSignal): Promise<ActionResult> {
  const watched = new Set(services);
  return new Promise((resolve) => {
    const finish = (result: ActionResult): void => {
      unsubscribe();
      clearTimeout(limit);
      signal.removeEventListener('abort', onAbort);
      resolve(result);
    };
    const fail = (name: string, instance: number, what: string): void => {
      finish({ ok: false, detail: `${name}.${String(instance)} ${what} during the verification window`, logs: instanceLogs(supervisor, name, [instance]) });
    };
    const unsubscribe = supervisor.subscribe((event) => {
      if (event.type === 'state') {
        const s = event.status;
        if (!watched.has(s.service)) return;
        if (s.phase === 'backoff' || s.phase === 'exited' || s.phase === 'failed') fail(s.service, s.instance, `crashed (${s.reason ?? s.phase})`);
        else if (s.phase === 'running' && s.ready === false) fail(s.service, s.instance, `stopped being ready (${s.reason ?? 'ready probe failed'})`);
      } else if (event.type === 'watchdog_restart' && watched.has(event.service)) fail(event.service, event.instance, `failed its live probe (${event.output})`);
      else if (event.type === 'crash_loop' && watched.has(event.service)) fail(event.service, event.instance, `is crash-looping (${event.reason})`);
    });
    const onAbort = (): void => {
      finish({ ok: false, detail: 'interrupted' });
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const limit = setTimeout(() => {
      const down = supervisor.status().filter((s) => watched.has(s.service) && !isUp(s));
      const first = down[0];
      if (first === undefined) finish({ ok: true });
      else fail(first.service, first.instance, `is ${first.phase}${first.reason === null ? '' : ` (${first.reason})`} at the end`);
    }, windowMs);
  });
}
