// Looks at a project folder: reads compose, Procfile and package.json, merges what they say, and falls back
// to the starter when none of them is there.
import type { Diagnostic } from '../errors/diagnostic.js';
import { createStarterDraft } from './create-starter-draft.js';
import { COMPOSE_FILES, detectCompose } from './detect-compose.js';
import { detectPackageJson } from './detect-package-json.js';
import { detectProcfile } from './detect-procfile.js';
import type { DetectResult } from './detect-result.js';
import type { InitDraft } from './init-draft.js';
import { mergeDrafts } from './merge-drafts.js';
import type { ProjectFiles } from './project-files.js';
import { repointMissingHosts } from './repoint-missing-hosts.js';
import { resolveDependencies } from './resolve-dependencies.js';
import { scrubSecrets } from './scrub-secrets.js';
import { suggestEdge } from './suggest-edge.js';

export type ProjectDetection = { readonly ok: true; readonly draft: InitDraft } | { readonly ok: false; readonly diagnostic: Diagnostic };

const OVERRIDES = ['compose.override.yaml', 'compose.override.yml', 'docker-compose.override.yaml', 'docker-compose.override.yml'];

/** Detects the stack of the project in `files`. A source that cannot be parsed fails the whole detection. */
export function detectProject(files: ProjectFiles): ProjectDetection {
  const composeFiles = COMPOSE_FILES.filter((f) => files.exists(f));
  const composeFile = composeFiles[0];
  const results: Record<'compose' | 'procfile' | 'packageJson', DetectResult | undefined> = {
    compose: run(files, composeFile, (text, file) => detectCompose(text, file, files)),
    procfile: run(files, 'Procfile', (text, file) => detectProcfile(text, file)),
    packageJson: run(files, 'package.json', (text, file) => detectPackageJson(text, files, file)),
  };
  const drafts: Partial<Record<keyof typeof results, InitDraft>> = {};
  for (const [key, result] of Object.entries(results) as [keyof typeof results, DetectResult | undefined][]) {
    if (result === undefined) continue;
    if (!result.ok) return result;
    drafts[key] = result.draft;
  }
  const merged = mergeDrafts(drafts);
  if (composeFile !== undefined) {
    for (const other of composeFiles.slice(1)) merged.notes.push(`${other} was not read: docker compose uses ${composeFile} when both are there.`);
    for (const override of OVERRIDES.filter((f) => files.exists(f))) merged.notes.push(`${override} was not merged in (docker compose applies it on top of ${composeFile}): carry its settings over by hand.`);
  }
  if (merged.services.length === 0) {
    const starter = createStarterDraft([...merged.notes, ...merged.dropped.map((d) => `not carried over: ${d.reason}`)], merged.sources);
    starter.name = merged.name;
    return { ok: true, draft: starter };
  }
  resolveDependencies(merged);
  repointMissingHosts(merged);
  suggestEdge(merged);
  scrubSecrets(merged);
  return { ok: true, draft: merged };
}

function run(files: ProjectFiles, file: string | undefined, detect: (text: string, file: string) => DetectResult): DetectResult | undefined {
  if (file === undefined) return undefined;
  const text = files.read(file);
  return text === undefined ? undefined : detect(text, file);
}
