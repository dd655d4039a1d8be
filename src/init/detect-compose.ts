// compose.yml / docker-compose.yml: services with their commands, environment, dependencies, healthchecks and
// ports. What Berth replaces (proxies, certbot) or cannot run (images without a command) is dropped with a reason.
import { parseDocument } from 'yaml';
import { createDraft } from './init-draft.js';
import { failSource, type DetectResult } from './detect-result.js';
import { summarizeValue } from './describe-unmapped.js';
import type { ServiceDirectory } from './map-compose-environment.js';
import { recognizeRecipe } from './map-compose-recipe.js';
import { mapComposeService, type MappedComposeService } from './map-compose-service.js';
import type { ProjectFiles } from './project-files.js';
import { sanitizeName } from './sanitize-name.js';

/** Compose file names in the order `docker compose` looks for them. */
export const COMPOSE_FILES = ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml'] as const;

const TOP_LEVEL_REASONS: Readonly<Record<string, string>> = {
  version: 'obsolete in compose, and not needed',
  volumes: 'named volumes: recipes keep data in their `data:` folder; move the data over',
  networks: 'services reach each other on 127.0.0.1',
  secrets: 'put secrets in .env and reference them as ${NAME}',
  configs: 'read config files from this folder instead',
  include: 'included compose files were not read',
};

const isRecord = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** Maps a compose file (`text`, named `file`) to a draft; unparseable YAML is BERTH_E_INIT_SOURCE. */
export function detectCompose(text: string, file: string, files: ProjectFiles): DetectResult {
  const doc = parseDocument(text, { merge: true, prettyErrors: false });
  const error = doc.errors[0];
  if (error !== undefined) return failSource(file, `${error.message.split('\n')[0] ?? error.message} (line ${String(error.linePos?.[0].line ?? '?')})`);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 1000 });
  } catch (cause) {
    return failSource(file, cause instanceof Error ? cause.message : String(cause));
  }
  if (!isRecord(data)) return failSource(file, 'the top level is not a mapping');
  if (!isRecord(data.services)) return failSource(file, 'it has no `services:` mapping');
  const draft = createDraft([file]);
  const name = typeof data.name === 'string' ? sanitizeName(data.name) : undefined;
  if (name !== undefined) draft.name = { value: name, comment: 'the compose project name' };
  for (const [key, value] of Object.entries(data)) {
    if (key === 'services' || key === 'name') continue;
    draft.notes.push(key.startsWith('x-') ? `${file} ${key}: an extension field; where it was merged in (<<: *anchor) its keys were mapped` : `${file} not mapped: ${key}: ${summarizeValue(value, key)} (${TOP_LEVEL_REASONS[key] ?? 'no Berth equivalent'})`);
  }
  const services = data.services;
  const directory = buildDirectory(services);
  const context = { file, files, directory, takenPorts: new Map<number, string>(), imageBuilds: findImageBuilds(services) };
  const mapped = new Map<string, MappedComposeService>();
  // Recipes first, so they keep their standard ports when an app service published the same one.
  const order = Object.keys(services).sort((a, b) => Number(directory.get(b)?.recipe !== undefined) - Number(directory.get(a)?.recipe !== undefined));
  for (const composeName of order) {
    const raw = services[composeName];
    if (!isRecord(raw)) {
      draft.notes.push(`${file} service ${composeName} is not a mapping and was skipped`);
      continue;
    }
    mapped.set(composeName, mapComposeService(composeName, raw, context));
  }
  for (const composeName of Object.keys(services)) {
    const result = mapped.get(composeName);
    if (result?.kind === 'service') draft.services.push(result.service);
    else if (result?.kind === 'dropped') draft.dropped.push(result.dropped);
  }
  return { ok: true, draft };
}

// Berth names for compose names (sanitized, made unique), and which ones become recipes.
function buildDirectory(services: Readonly<Record<string, unknown>>): ServiceDirectory {
  const directory = new Map<string, { name: string; recipe?: 'postgres' | 'redis' | undefined }>();
  const used = new Set<string>();
  for (const [composeName, raw] of Object.entries(services)) {
    const base = sanitizeName(composeName) ?? 'service';
    let name = base;
    for (let i = 2; used.has(name); i += 1) name = `${base.slice(0, 60)}-${String(i)}`;
    used.add(name);
    const recipe = isRecord(raw) && raw.build === undefined ? recognizeRecipe(raw.image) : undefined;
    directory.set(composeName, { name, recipe });
  }
  return directory;
}

// Services with both `build:` and `image:` build that image; others that run it share their code.
function findImageBuilds(services: Readonly<Record<string, unknown>>): Map<string, { name: string; build: unknown }> {
  const builds = new Map<string, { name: string; build: unknown }>();
  for (const [name, raw] of Object.entries(services)) {
    if (isRecord(raw) && raw.build !== undefined && typeof raw.image === 'string' && !builds.has(raw.image)) builds.set(raw.image, { name, build: raw.build });
  }
  return builds;
}
