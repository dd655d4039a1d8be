// Turns names from other tools (npm packages, compose services, Procfile types) into Berth names.
import { NAME_PATTERN } from '../config/schema/primitives.js';

/** A Berth name (`^[a-z][a-z0-9_-]{0,62}$`) made from `raw`, or undefined when nothing usable is left. */
export function sanitizeName(raw: string): string | undefined {
  const unscoped = raw.replace(/^@[^/]*\//, '');
  const cleaned = unscoped
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return NAME_PATTERN.test(cleaned) ? cleaned : undefined;
}
