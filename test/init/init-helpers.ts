// Helpers for init tests: detect a project held in memory, render it, and load the result with the real loader.
import { join } from 'node:path';
import { loadStack, type LoadStackResult } from '../../src/config/load-stack.js';
import { detectProject } from '../../src/init/detect-project.js';
import type { DraftService, InitDraft } from '../../src/init/init-draft.js';
import { createMemoryFiles } from '../../src/init/project-files.js';
import { renderBerthYml } from '../../src/init/render-berth-yml.js';
import { writeFiles } from '../helpers/temp-stack.js';

/** Detects the project made of `files` and fails the test when detection fails. */
export function detect(files: Readonly<Record<string, string>>): InitDraft {
  const result = detectProject(createMemoryFiles(files));
  if (!result.ok) throw new Error(`detection failed: ${result.diagnostic.code} ${result.diagnostic.message}`);
  return result.draft;
}

/** The service `name` of a draft; throws when it is missing. */
export function serviceOf(draft: InitDraft, name: string): DraftService {
  const service = draft.services.find((s) => s.name === name);
  if (service === undefined) throw new Error(`no service ${name}; have ${draft.services.map((s) => s.name).join(', ')}`);
  return service;
}

/** The value of a field of a service (undefined when absent). */
export function fieldOf(draft: InitDraft, service: string, key: string): unknown {
  return serviceOf(draft, service).fields.get(key)?.value;
}

/** Renders `draft`, writes it as berth.yml beside `files` in a temp folder, and loads it. */
export function renderAndLoad(draft: InitDraft, files: Readonly<Record<string, string>> = {}): { text: string; result: LoadStackResult } {
  const text = renderBerthYml(draft);
  const dir = writeFiles({ ...files, 'berth.yml': text });
  return { text, result: loadStack({ file: join(dir, 'berth.yml') }) };
}

/** A readable failure message for a load that should have succeeded. */
export function describeFailure(result: LoadStackResult, text: string): string {
  return result.ok ? '' : `${result.diagnostics.map((d) => `${d.code}: ${d.message} at ${d.path ?? '?'}`).join('\n')}\n---\n${text}`;
}
