// The environment an instance starts with: the daemon's own, the stack's and service's, late references
// filled in, and the variables Berth sets ($PORT, $BERTH_*).
import type { PendingPart } from '../config/interpolate.js';
import type { ResolvedService } from '../config/resolved-stack.js';

/** Looks up `${services.NAME.attr}` at run time; undefined when not known yet. */
export type ReferenceLookup = (service: string, attr: string) => string | undefined;

export interface InstanceEnvInput {
  readonly base: Readonly<Record<string, string | undefined>>;
  readonly stackName: string;
  readonly service: Pick<ResolvedService, 'name' | 'env' | 'late_env'>;
  readonly instance: number;
  readonly port: number | null;
  readonly lookup: ReferenceLookup;
}

/** Fills a late value; returns undefined when a reference is not known yet. */
function fillLateValue(parts: readonly PendingPart[], lookup: ReferenceLookup): string | undefined {
  let text = '';
  for (const part of parts) {
    if (part.kind === 'text') text += part.text;
    else {
      const value = lookup(part.service, part.attr);
      if (value === undefined) return undefined;
      text += value;
    }
  }
  return text;
}

/**
 * What a service instance and a job run share: the daemon's environment, then the process's own (`env`, env files),
 * then its late values filled in, and $BERTH_STACK. Names of late values that could not be filled come back in
 * `missing`.
 */
export function buildProcessEnv(base: Readonly<Record<string, string | undefined>>, stackName: string, own: { readonly env: Readonly<Record<string, string>>; readonly late_env: Readonly<Record<string, readonly PendingPart[]>> }, lookup: ReferenceLookup): { env: Record<string, string>; missing: string[] } {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(base)) if (value !== undefined) env[key] = value;
  Object.assign(env, own.env);
  const missing: string[] = [];
  for (const [key, parts] of Object.entries(own.late_env)) {
    const value = fillLateValue(parts, lookup);
    if (value === undefined) missing.push(key);
    else env[key] = value;
  }
  env.BERTH_STACK = stackName;
  return { env, missing };
}

/** Builds an instance's environment: buildProcessEnv, then $PORT, $BERTH_SERVICE and $BERTH_INSTANCE. */
export function buildInstanceEnv(input: InstanceEnvInput): { env: Record<string, string>; missing: string[] } {
  const built = buildProcessEnv(input.base, input.stackName, input.service, input.lookup);
  if (input.port !== null) built.env.PORT = String(input.port);
  built.env.BERTH_SERVICE = input.service.name;
  built.env.BERTH_INSTANCE = String(input.instance);
  return built;
}
