// The ResolvedStack: what every other part of Berth reads. Deep-frozen; durations and sizes stay strings
// (already validated) and are read with parseDuration / parseSize.
import type { PendingPart } from './interpolate.js';
import type { StackOutput, ServiceOutput } from './schema/stack.js';

/** A string runs with `/bin/sh -c`; a list runs the program directly. */
export type ResolvedCommand = { readonly shell: string } | { readonly argv: readonly string[] };

export type ProbeKind = 'http' | 'tcp' | 'exec' | 'log' | 'notify' | 'postgres' | 'redis';

export interface ResolvedProbe {
  readonly kind: ProbeKind;
  /** http: path, status codes (empty = any 2xx), body regex, port (null = the service port). */
  readonly http: { readonly path: string; readonly status: readonly number[]; readonly body: string | null; readonly port: number | null } | null;
  /** tcp: the port (null = the service port). */
  readonly tcp: { readonly port: number | null } | null;
  readonly exec: ResolvedCommand | null;
  readonly log: string | null;
  readonly interval: string;
  readonly timeout: string;
  readonly failures: number;
  readonly start_timeout: string;
  /** True when Berth chose this probe because the file gave none (a port or recipe implies one). */
  readonly implicit: boolean;
}

export type Condition = 'started' | 'ready' | 'completed';

export interface ResolvedService extends Omit<ServiceOutput, 'command' | 'depends_on' | 'startup' | 'ready' | 'live' | 'env' | 'env_file' | 'build' | 'release' | 'static' | 'deploy' | 'settings' | 'port' | 'http' | 'cwd' | 'data' | 'recipe' | 'backup' | 'password' | 'database' | 'user' | 'bin_dir'> {
  readonly name: string;
  readonly kind: 'process' | 'recipe' | 'static';
  readonly recipe: 'postgres' | 'redis' | null;
  readonly command: ResolvedCommand | null;
  /** Absolute working folder. */
  readonly cwd: string;
  /** Final environment: stack env file < stack `env` < service env files < service `env`. */
  readonly env: Readonly<Record<string, string>>;
  /** Env values only known at run time (assigned ports, generated passwords): text and service references. */
  readonly late_env: Readonly<Record<string, readonly PendingPart[]>>;
  readonly build: { readonly command: ResolvedCommand; readonly inputs: readonly string[] } | null;
  readonly release: ResolvedCommand | null;
  /** Fixed port (recipes default to 5432 / 6379), or null when Berth assigns one (`http`). */
  readonly port: number | null;
  readonly http: boolean;
  readonly depends_on: Readonly<Record<string, { readonly condition: Condition }>>;
  readonly startup: ResolvedProbe | null;
  readonly ready: ResolvedProbe | null;
  readonly live: ResolvedProbe | null;
  readonly deploy: { readonly strategy: 'blue-green' | 'overlap' | 'replace' };
  readonly static: { readonly dir: string; readonly fallback: string | null } | null;
  readonly data: string | null;
  readonly backup: NonNullable<ServiceOutput['backup']> | null;
  readonly password: string | null;
  readonly database: string | null;
  readonly user: string | null;
  readonly bin_dir: string | null;
  readonly settings: Readonly<Record<string, string>>;
}

export interface ResolvedJob extends Omit<StackOutput['jobs'][string], 'command' | 'env' | 'env_file' | 'cwd'> {
  readonly name: string;
  readonly command: ResolvedCommand;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  /** Env values only known at run time, as for services. */
  readonly late_env: Readonly<Record<string, readonly PendingPart[]>>;
}

type AlertsObject = Extract<NonNullable<StackOutput['alerts']>, { channels: unknown }>;

export interface ResolvedStack {
  readonly name: string;
  /** Absolute path of berth.yml. */
  readonly file: string;
  /** Absolute folder of berth.yml; relative paths in the file are resolved against it. */
  readonly root: string;
  /** The environment overlaid (`--env`), or null. */
  readonly environment: string | null;
  readonly env: Readonly<Record<string, string>>;
  readonly services: Readonly<Record<string, ResolvedService>>;
  readonly jobs: Readonly<Record<string, ResolvedJob>>;
  /** The edge, or null when nothing is routed and no `edge:` is given. */
  readonly edge: NonNullable<StackOutput['edge']> | null;
  readonly alerts: AlertsObject;
  readonly deploy: StackOutput['deploy'];
}
