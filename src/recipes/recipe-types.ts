// What the supervisor asks of a recipe (postgres, redis): prepare the data folder and say how to run the server,
// wait for it and provision it, shut it down without losing acknowledged writes, and give dependents a URL.
import type { ResolvedCommand, ResolvedService } from '../config/resolved-stack.js';
import type { Diagnostic } from '../errors/diagnostic.js';
import type { ProbeResult } from '../health/probe-types.js';

export interface RecipeContext {
  readonly stackName: string;
  readonly service: ResolvedService;
  /** The stack's `.berth` folder (secrets/ and run/ live under it). */
  readonly stateDir: string;
  /** The port the server listens on (127.0.0.1). */
  readonly port: number;
  /** The environment Berth itself runs with (PATH is searched for binaries). */
  readonly baseEnv: Readonly<Record<string, string | undefined>>;
  /** Calls `listener` with every line the server prints (stdout and stderr); returns an unsubscribe function. */
  readonly subscribeOutput?: (listener: (text: string) => void) => () => void;
}

/** How to run the server, as worked out by `prepare`. */
export interface RecipeLaunch {
  readonly command: ResolvedCommand;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  /** Set when Berth runs as root and the server must not (PostgreSQL). */
  readonly user?: { readonly uid: number; readonly gid: number; readonly name: string };
  /** The signal that shuts the server down cleanly (PostgreSQL: SIGINT, fast shutdown). */
  readonly stopSignal: NodeJS.Signals;
}

export type RecipeOutcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: Diagnostic };

export interface RecipeDriver {
  /** Checks binaries, data folder and port, initialises on first start, writes the config. Never throws. */
  prepare(context: RecipeContext): Promise<RecipeOutcome<RecipeLaunch>>;
  /** After the spawn, before the ready probe: waits for the server to answer and provisions it (database, role).
   * May return the passing result of the recipe's own check, which then counts as the ready probe's first pass.
   * An error is final for this start (a wrong password will not fix itself), unless `signal` was aborted first
   * (start_timeout: restarted with backoff). Never throws. */
  provision?(context: RecipeContext, launch: RecipeLaunch, signal: AbortSignal): Promise<RecipeOutcome<ProbeResult | null>>;
  /** Before the stop signal: asks the server to shut down cleanly (redis: SHUTDOWN SAVE). Never throws. */
  shutdown?(context: RecipeContext, signal: AbortSignal): Promise<void>;
  /** The connection URL dependents get from `${services.NAME.url}`, with the password. */
  url(context: RecipeContext): string;
}

/** Makes a failed outcome. */
export function recipeFailure<T>(error: Diagnostic): RecipeOutcome<T> {
  return { ok: false, error };
}

/** Makes a successful outcome. */
export function recipeSuccess<T>(value: T): RecipeOutcome<T> {
  return { ok: true, value };
}
