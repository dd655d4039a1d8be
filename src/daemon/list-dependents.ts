// The services that depend on a service, directly or through others, in start order (dependencies first).
import type { ResolvedStack } from '../config/resolved-stack.js';
import { withDependencies } from '../supervisor/graph.js';

/** Every service that (transitively) depends on `name`, each listed once, in stack order. */
export function listDependents(stack: ResolvedStack, name: string): string[] {
  return Object.keys(stack.services).filter((service) => service !== name && withDependencies(stack.services, [service]).has(name));
}
