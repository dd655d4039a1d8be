// States and events of supervised instances, shared by the supervisor, the API and the CLI.
import type { ProbeResult } from '../health/probe-types.js';

/**
 * waiting: dependencies not met · starting: spawned, startup/ready probes running · running: up (ready or no probe)
 * stopping · stopped: stopped on request · backoff: crashed, restart pending · completed: one-shot exited 0
 * exited: exited and its restart policy says stay down · failed: could not be started / one-shot failed for good
 */
export type InstancePhase = 'waiting' | 'starting' | 'running' | 'stopping' | 'stopped' | 'backoff' | 'completed' | 'exited' | 'failed';

export interface InstanceStatus {
  readonly service: string;
  readonly instance: number;
  readonly phase: InstancePhase;
  readonly pid: number | null;
  readonly port: number | null;
  /** Milliseconds since the epoch the current process started, or null. */
  readonly startedAt: number | null;
  readonly restarts: number;
  /** true/false once a ready probe decided; null when the service has no ready probe. */
  readonly ready: boolean | null;
  readonly crashLoop: boolean;
  /** Why it is in this phase (waiting for X, exit code, probe output). */
  readonly reason: string | null;
  readonly lastExit: { readonly code: number | null; readonly signal: string | null } | null;
  readonly lastProbe: (ProbeResult & { readonly phase: string }) | null;
}

export type SupervisorEvent =
  | { readonly type: 'state'; readonly time: number; readonly status: InstanceStatus }
  | { readonly type: 'crash_loop'; readonly time: number; readonly service: string; readonly instance: number; readonly restarts: number; readonly reason: string }
  | { readonly type: 'crash_loop_resolved'; readonly time: number; readonly service: string; readonly instance: number }
  | { readonly type: 'watchdog_restart'; readonly time: number; readonly service: string; readonly instance: number; readonly output: string }
  | { readonly type: 'start_failed'; readonly time: number; readonly service: string; readonly instance: number; readonly output: string };

export type EventListener = (event: SupervisorEvent) => void;
