// Overlays an environment (`--env staging`) onto the base stack data: maps merge, lists and values replace,
// and `null` removes a key.
import type { PathSegment, SourceMap } from './source-map.js';
import { mergeSourceMaps } from './source-map.js';
import { setOwnKey } from '../shared/set-own-key.js';

const isMapping = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** Deep-merges `overlay` over `base` and returns a new value; inputs are not changed. */
export function mergeOverlay(base: unknown, overlay: unknown): unknown {
  if (!isMapping(base) || !isMapping(overlay)) return overlay;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(base)) setOwnKey(out, key, value);
  for (const [key, value] of Object.entries(overlay)) {
    if (value === null) delete out[key];
    else setOwnKey(out, key, Object.hasOwn(out, key) ? mergeOverlay(out[key], value) : value);
  }
  return out;
}

/** The `environments.NAME` block of the base data, if there is one. */
export function findEnvironmentBlock(data: unknown, name: string): unknown {
  if (!isMapping(data)) return undefined;
  const environments = data.environments;
  if (!isMapping(environments) || !Object.hasOwn(environments, name)) return undefined;
  return environments[name] ?? {};
}

/** Names of the environments declared in the base data. */
export function listEnvironments(data: unknown): string[] {
  if (!isMapping(data) || !isMapping(data.environments)) return [];
  return Object.keys(data.environments);
}

/** Points overlaid fields at the overlay's own lines, so errors there name the right place. */
export function overlaySourceMap(target: SourceMap, overlayMap: SourceMap, from: readonly PathSegment[]): void {
  mergeSourceMaps(target, overlayMap, from, []);
}
