// Shapes shared by the probes and the supervisor.
import type { ResolvedProbe } from '../config/resolved-stack.js';
import type { LogListener } from '../logs/log-types.js';

export interface ProbeResult {
  readonly ok: boolean;
  /** Short evidence: status code and body excerpt, error message, exit code and output. Never secrets. */
  readonly output: string;
  readonly durationMs: number;
  /** Milliseconds since the epoch. */
  readonly time: number;
}

/** What a probe needs to know about the instance it checks. */
export interface ProbeTarget {
  readonly service: string;
  readonly instance: number;
  /** The instance's port, or null when it has none. */
  readonly port: number | null;
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  /** Subscribes to the instance's output lines (log probes); returns an unsubscribe function. */
  readonly subscribeLogs: (listener: LogListener) => () => void;
  /** The instance's notify pipe (notify probes), or null. */
  readonly notify: NodeJS.ReadableStream | null;
  /** Recipes: the URL (with password) their protocol check connects to. Never shown in output. */
  readonly recipeUrl?: string;
}

/** One check of a probe kind; extra kinds (postgres, redis) are registered by recipes. */
export type ProbeCheck = (probe: ResolvedProbe, target: ProbeTarget, signal: AbortSignal) => Promise<ProbeResult>;

export type ProbePhase = 'startup' | 'ready' | 'live';

/** A running probe loop for one instance and one phase. */
export interface ProbeRunner {
  /** Resolves with the first passing result, or the failure that ended the start (start_timeout). */
  readonly firstPass: Promise<ProbeResult>;
  /** The latest result, if any. */
  last(): ProbeResult | undefined;
  /** Consecutive failures so far. */
  failures(): number;
  stop(): void;
}

export interface ProbeRunnerOptions {
  readonly phase: ProbePhase;
  readonly probe: ResolvedProbe;
  readonly target: ProbeTarget;
  /** Called after every result. */
  readonly onResult?: (result: ProbeResult) => void;
  /** Called once when `failures` consecutive results failed after the probe had passed (live: restart; ready: unready). */
  readonly onFailing?: (result: ProbeResult) => void;
  /** Called when a failing probe passes again. */
  readonly onRecovered?: (result: ProbeResult) => void;
}
