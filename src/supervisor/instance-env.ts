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
export function fillLateValue(parts: readonly PendingPart[], lookup: ReferenceLookup): string | undefined {
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

/** Builds the environment; names of late values that could not be filled come back in `missing`. */
export function buildInstanceEnv(input: InstanceEnvInput): { env: Record<string, string>; missing: string[] } {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(input.base)) if (value !== undefined) env[key] = value;
  Object.assign(env, input.service.env);
  const missing: string[] = [];
  for (const [key, parts] of Object.entries(input.service.late_env)) {
    const value = fillLateValue(parts, input.lookup);
    if (value === undefined) missing.push(key);
    else env[key] = value;
  }
  if (input.port !== null) env.PORT = String(input.port);
  env.BERTH_STACK = input.stackName;
  env.BERTH_SERVICE = input.service.name;
  env.BERTH_INSTANCE = String(input.instance);
  return { env, missing };
}
