// Compose `depends_on` (a list, or a map with conditions) becomes Berth dependencies with conditions.
import type { DraftCondition, DraftDependency } from './init-draft.js';
import type { ServiceDirectory } from './map-compose-environment.js';

const CONDITIONS: Readonly<Record<string, DraftCondition>> = {
  service_started: 'started',
  service_healthy: 'ready',
  service_completed_successfully: 'completed',
};

export interface MappedDependencies {
  readonly dependencies: DraftDependency[];
  readonly form: 'list' | 'map';
  readonly notes: string[];
}

/** Reads compose `depends_on`; names are translated to Berth names through `directory`. */
export function mapComposeDependsOn(raw: unknown, directory: ServiceDirectory): MappedDependencies {
  const dependencies: DraftDependency[] = [];
  const notes: string[] = [];
  const targetOf = (composeName: string): string | undefined => {
    const target = directory.get(composeName)?.name;
    if (target === undefined) notes.push(`depends_on ${composeName}: no such service in the compose file`);
    return target;
  };
  if (Array.isArray(raw)) {
    for (const item of raw) {
      const target = typeof item === 'string' ? targetOf(item) : undefined;
      if (target !== undefined) dependencies.push({ target, condition: 'ready' });
    }
    return { dependencies, form: 'list', notes };
  }
  if (raw === null || typeof raw !== 'object') {
    if (raw !== undefined) notes.push('depends_on: not a list or a mapping');
    return { dependencies, form: 'list', notes };
  }
  for (const [composeName, spec] of Object.entries(raw as Record<string, unknown>)) {
    const target = targetOf(composeName);
    if (target === undefined) continue;
    const options = spec !== null && typeof spec === 'object' ? (spec as Record<string, unknown>) : {};
    const conditionText = typeof options.condition === 'string' ? options.condition : 'service_started';
    const condition = CONDITIONS[conditionText];
    if (condition === undefined) notes.push(`depends_on ${composeName}: condition ${conditionText} is unknown; waiting for ready`);
    const comments: string[] = [];
    if (options.required === false) comments.push('compose required: false (Berth always requires it)');
    if (options.restart === true) comments.push('compose restart: true (Berth does not restart dependents)');
    dependencies.push({ target, condition: condition ?? 'ready', comment: comments.length === 0 ? undefined : comments.join('; ') });
  }
  return { dependencies, form: 'map', notes };
}
