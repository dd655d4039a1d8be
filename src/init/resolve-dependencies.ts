// The last pass over a merged draft: writes `depends_on` with conditions every target can meet, drops
// dependencies on services that were not carried over, and marks targets waited on to complete `oneshot`.
import { canShowReadiness, setField, type DraftService, type DraftValue, type InitDraft } from './init-draft.js';

/** Turns each service's dependencies into its `depends_on` field (mutates `draft`). */
export function resolveDependencies(draft: InitDraft): void {
  const byName = new Map(draft.services.map((s) => [s.name, s]));
  for (const service of draft.services) {
    const kept = service.dependsOn.filter((dependency) => {
      if (byName.has(dependency.target)) return true;
      const dropped = draft.dropped.find((d) => d.name === dependency.target);
      service.notes.push(`not mapped: depends_on ${dependency.target} (${dropped === undefined ? 'not in this file' : 'not carried over, see the end of the file'})`);
      return false;
    });
    if (kept.length === 0) continue;
    let form = service.dependsOnForm;
    for (const dependency of kept) {
      const target = byName.get(dependency.target);
      if (target === undefined) continue;
      if (dependency.condition === 'completed') markOneshot(target, service.name);
      if (dependency.condition === 'ready' && !canShowReadiness(target)) {
        dependency.condition = 'started';
        dependency.comment = `${dependency.target} has no ready probe or port, so wait for it to start; add \`ready:\` to ${dependency.target} to wait for ready`;
        form = 'map';
      }
    }
    if (form === 'list') {
      const field = setField(service, 'depends_on', kept.map((d) => d.target), 'each must be ready (its probe passes) before this starts');
      const comments = kept.flatMap((d) => (d.comment === undefined ? [] : [`${d.target}: ${d.comment}`]));
      if (comments.length > 0) field.comment = comments.join('; ');
    } else {
      const value: Record<string, DraftValue> = {};
      const comments: Record<string, string> = {};
      for (const dependency of kept) {
        value[dependency.target] = dependency.condition;
        if (dependency.comment !== undefined) comments[dependency.target] = dependency.comment;
      }
      setField(service, 'depends_on', value).entryComments = comments;
    }
  }
}

function markOneshot(target: DraftService, waiter: string): void {
  if (target.fields.get('oneshot')?.value === true) return;
  setField(target, 'oneshot', true, `${waiter} waits for it to complete (compose service_completed_successfully)`);
}
