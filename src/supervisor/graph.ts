// The dependency graph of a resolved stack: who waits for whom, stop order, and why a service waits.
import type { Condition, ResolvedService } from '../config/resolved-stack.js';

/** What the graph needs to know about a service's current state. */
export interface ServiceProgress {
  /** Every instance has been spawned and is running. */
  readonly started: boolean;
  /** Every instance passed its ready probe. */
  readonly ready: boolean;
  /** Every instance of a one-shot service exited 0. */
  readonly completed: boolean;
  /** The service cannot reach the condition without help (exited for good, crash loop): the reason. */
  readonly blocked: string | null;
}

export interface Blocker {
  readonly service: string;
  readonly condition: Condition;
  /** Why it is not met yet, in words. */
  readonly reason: string;
  /** True when the dependency failed, so waiting may be forever. */
  readonly failed: boolean;
}

/** The services named plus everything they depend on, transitively. */
export function withDependencies(services: Readonly<Record<string, ResolvedService>>, names: readonly string[]): Set<string> {
  const selected = new Set<string>();
  const visit = (name: string): void => {
    if (selected.has(name) || services[name] === undefined) return;
    selected.add(name);
    for (const dependency of Object.keys(services[name].depends_on)) visit(dependency);
  };
  for (const name of names) visit(name);
  return selected;
}

/** Services that depend on `name` directly. */
export function dependentsOf(services: Readonly<Record<string, ResolvedService>>, name: string): string[] {
  return Object.values(services)
    .filter((s) => Object.hasOwn(s.depends_on, name))
    .map((s) => s.name);
}

function isMet(condition: Condition, progress: ServiceProgress): boolean {
  if (condition === 'started') return progress.started;
  if (condition === 'ready') return progress.ready;
  return progress.completed;
}

/** The unmet dependencies of a service, each with a reason a person can act on. */
export function findBlockers(service: ResolvedService, progress: (name: string) => ServiceProgress | undefined): Blocker[] {
  const blockers: Blocker[] = [];
  for (const [name, { condition }] of Object.entries(service.depends_on)) {
    const state = progress(name);
    if (state === undefined) {
      blockers.push({ service: name, condition, reason: `${name} is not part of this run`, failed: true });
      continue;
    }
    if (isMet(condition, state)) continue;
    const word = condition === 'completed' ? 'to complete' : condition === 'ready' ? 'to be ready' : 'to start';
    blockers.push({ service: name, condition, reason: state.blocked === null ? `waiting for ${name} ${word}` : `waiting for ${name} ${word}, but ${state.blocked}`, failed: state.blocked !== null });
  }
  return blockers;
}

/** Groups services into stop waves: each wave holds services no remaining service depends on. */
export function stopWaves(services: Readonly<Record<string, ResolvedService>>, names: Iterable<string>): string[][] {
  const remaining = new Set(names);
  const waves: string[][] = [];
  while (remaining.size > 0) {
    const wave = [...remaining].filter((name) => ![...remaining].some((other) => other !== name && Object.hasOwn(services[other]?.depends_on ?? {}, name)));
    // A cycle (rejected by lint, but be safe): stop the rest together rather than loop forever.
    const next = wave.length === 0 ? [...remaining] : wave;
    for (const name of next) remaining.delete(name);
    waves.push(next.sort());
  }
  return waves;
}
