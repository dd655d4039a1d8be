// Merges the drafts of several sources. Compose wins for the services it defines; a Procfile wins over
// package.json. When compose builds this folder, the Procfile or package.json command fills in a command
// compose left to the Dockerfile, instead of adding the same app a second time.
import { summarizeValue } from './describe-unmapped.js';
import { createDraft, type DraftField, type DraftService, type InitDraft } from './init-draft.js';

export interface SourceDrafts {
  readonly compose?: InitDraft | undefined;
  readonly procfile?: InitDraft | undefined;
  readonly packageJson?: InitDraft | undefined;
}

/** One draft from the drafts of each source. */
export function mergeDrafts(drafts: SourceDrafts): InitDraft {
  const { compose, procfile, packageJson } = drafts;
  const present = [compose, procfile, packageJson].filter((d): d is InitDraft => d !== undefined);
  const merged = createDraft(present.flatMap((d) => d.sources));
  merged.name = compose?.name ?? packageJson?.name;
  merged.services.push(...(compose?.services ?? []));
  merged.dropped.push(...(compose?.dropped ?? []));
  for (const draft of present) merged.notes.push(...draft.notes);
  const rootBuilt = merged.services.filter((s) => s.buildContext === '.');
  const used = new Set<DraftService>();
  fillMissingCommands(merged, [...(procfile?.services ?? []), ...(packageJson?.services ?? [])], used);
  for (const candidate of [...(procfile?.services ?? []), ...(packageJson?.services ?? [])]) {
    if (used.has(candidate)) continue;
    const existing = merged.services.find((s) => s.name === candidate.name);
    if (existing !== undefined) {
      merged.notes.push(`${candidate.source} \`${candidate.name}\` not added: ${existing.source} defines ${candidate.name}${describeRelease(candidate)}`);
    } else if (rootBuilt.length > 0) {
      merged.notes.push(`${candidate.source} \`${candidate.name}\` not added: ${rootBuilt[0]?.source ?? 'compose'} already runs this folder as ${rootBuilt.map((s) => s.name).join(', ')}${describeRelease(candidate)}`);
    } else {
      merged.services.push(candidate);
    }
  }
  attachPackageBuild(merged, packageJson?.services.find((s) => s.name === 'web'), rootBuilt);
  return merged;
}

// Compose services built here whose command was in a Dockerfile Berth could not read.
function fillMissingCommands(merged: InitDraft, candidates: readonly DraftService[], used: Set<DraftService>): void {
  for (const service of [...merged.services]) {
    if (service.fields.has('command') || service.fields.has('recipe')) continue;
    const donor = candidates.find((c) => c.name === service.name && !used.has(c)) ?? (service.buildContext === '.' ? candidates.find((c) => c.name === 'web' && !used.has(c)) : undefined);
    const command = donor?.fields.get('command');
    if (donor === undefined || command === undefined) {
      merged.services.splice(merged.services.indexOf(service), 1);
      merged.dropped.push({ name: service.name, source: service.source, reason: `${service.source} builds it, but its command could not be read from a Dockerfile: add it by hand with \`command:\``, kind: 'other', upstreams: [] });
      continue;
    }
    used.add(donor);
    service.fields.set('command', { ...command, comment: `from ${donor.source} ${donor.name} (compose took it from the image)` });
    for (const key of ['release', 'http'] as const) {
      const field = donor.fields.get(key);
      if (field !== undefined && !service.fields.has(key) && !(key === 'http' && service.fields.has('port'))) service.fields.set(key, field);
    }
  }
}

function attachPackageBuild(merged: InitDraft, packageWeb: DraftService | undefined, rootBuilt: readonly DraftService[]): void {
  const build = packageWeb?.fields.get('build');
  if (packageWeb === undefined || build === undefined || merged.services.includes(packageWeb)) return;
  const web = merged.services.find((s) => s.name === 'web' && s.source === 'Procfile');
  const target = web ?? rootBuilt.find((s) => !s.fields.has('build'));
  if (target === undefined) {
    merged.notes.push(`package.json build script not attached: no service runs this folder's code (${summarizeValue((build.value as Record<string, unknown>).command)})`);
    return;
  }
  const copy: DraftField = { ...build, comment: `${build.comment ?? 'package.json build'}${web === undefined && rootBuilt.length > 1 ? `; ${rootBuilt.filter((s) => s !== target).map((s) => s.name).join(', ')} run the same build` : ''}` };
  target.fields.set('build', copy);
}

function describeRelease(service: DraftService): string {
  const release = service.fields.get('release');
  return release === undefined ? '' : `; its release command was not attached: ${summarizeValue(release.value)}`;
}
