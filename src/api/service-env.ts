// What `berth exec` runs a command with: the environment instance 1 of a service gets from the stack
// (its env, late references filled from the running stack, $PORT and $BERTH_*) and its working folder.
import type { ResolvedService } from '../config/resolved-stack.js';
import { buildInstanceEnv, type ReferenceLookup } from '../supervisor/instance-env.js';
import type { Supervisor } from '../supervisor/supervisor.js';

export interface ServiceEnv {
  readonly service: string;
  readonly instance: number;
  readonly cwd: string;
  /** The stack's part only: the caller's own environment goes below it. */
  readonly env: Readonly<Record<string, string>>;
  /** Names that could not be set because their values are only known while the stack runs. */
  readonly missing: readonly string[];
}

export interface ServiceEnvInput {
  readonly stackName: string;
  readonly service: ResolvedService;
  /** The port instance 1 listens on (fixed, or assigned by the running daemon), else null. */
  readonly port: number | null;
  readonly lookup: ReferenceLookup;
}

/** Builds the environment; an assigned port that is not known yet counts as missing `PORT`. */
export function buildServiceEnv(input: ServiceEnvInput): ServiceEnv {
  const port = input.port ?? input.service.port;
  const { env, missing } = buildInstanceEnv({ base: {}, stackName: input.stackName, service: input.service, instance: 1, port, lookup: input.lookup });
  if (port === null && input.service.http) missing.push('PORT');
  return { service: input.service.name, instance: 1, cwd: input.service.cwd, env, missing };
}

/** The environment from a running supervisor: the port instance 1 has now, late values as its instances get them. */
export function resolveServiceEnv(supervisor: Pick<Supervisor, 'stack' | 'status' | 'lookup'>, name: string): ServiceEnv | null {
  const service = supervisor.stack.services[name];
  if (service === undefined) return null;
  const port = supervisor.status().find((s) => s.service === name && s.instance === 1)?.port ?? null;
  return buildServiceEnv({ stackName: supervisor.stack.name, service, port, lookup: (target, attr) => supervisor.lookup(target, attr) });
}
