// The services that depend on a service, directly or through others, in start order (dependencies first).
import type { ResolvedStack } from '../config/resolved-stack.js';

/** Every service that (transitively) depends on `name`, each listed once, in stack order. */
export function listDependents(stack: ResolvedStack, name: string): string[] {
  const found = new Set<string>();
  let grew = true;
  while (grew) {
    grew = false;
    for (const service of Object.values(stack.services)) {
      if (found.has(service.name) || service.name === name) continue;
      if (Object.keys(service.depends_on).some((dependency) => dependency === name || found.has(dependency))) {
        found.add(service.name);
        grew = true;
      }
    }
  }
  return Object.keys(stack.services).filter((service) => found.has(service));
}
