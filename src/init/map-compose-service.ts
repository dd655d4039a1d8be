// One compose service → a Berth service draft (or a dropped service with the reason).
import { parseEnvFile } from '../config/parse-env-file.js';
import { classifyInfrastructure } from './classify-infrastructure.js';
import { commentOnCommand, joinComments } from './comment-on-command.js';
import { describeUnmapped } from './describe-unmapped.js';
import { readComposeBuild, type BuildInfo } from './read-compose-build.js';
import { inferCommandPort } from './infer-command-port.js';
import { createDraftService, setField, type DraftService, type DroppedService } from './init-draft.js';
import { mapComposeCommand } from './map-compose-command.js';
import { mapComposeDependsOn } from './map-compose-depends-on.js';
import { mapComposeEnvironment, readComposeEnvironment, type ServiceDirectory } from './map-compose-environment.js';
import { mapComposeHealthcheck } from './map-compose-healthcheck.js';
import { applyComposeLifecycle, LIFECYCLE_KEYS } from './map-compose-lifecycle.js';
import { mapComposePorts } from './map-compose-ports.js';
import { applyPostgresRecipe, applyRedisRecipe, describeRecipeVolumes, recognizeRecipe } from './map-compose-recipe.js';
import type { ProjectFiles } from './project-files.js';

export interface ComposeContext {
  readonly file: string;
  readonly files: ProjectFiles;
  readonly directory: ServiceDirectory;
  /** Fixed ports already claimed, by service name. */
  readonly takenPorts: Map<number, string>;
  /** Images that a compose service builds (`build:` with `image:`), by image: the builder's name and build. */
  readonly imageBuilds: ReadonlyMap<string, { readonly name: string; readonly build: unknown }>;
}

export type MappedComposeService = { readonly kind: 'service'; readonly service: DraftService } | { readonly kind: 'dropped'; readonly dropped: DroppedService };

const APP_KEYS = new Set(['build', 'command', 'entrypoint', 'environment', 'env_file', 'ports', 'expose', 'healthcheck', 'depends_on', ...LIFECYCLE_KEYS]);
const RECIPE_KEYS = new Set(['image', 'command', 'environment', 'ports', 'expose', 'depends_on', 'volumes', ...LIFECYCLE_KEYS]);

/** Maps the compose service `composeName` (its raw mapping in `raw`). */
export function mapComposeService(composeName: string, raw: Readonly<Record<string, unknown>>, context: ComposeContext): MappedComposeService {
  const name = context.directory.get(composeName)?.name ?? composeName;
  const service = createDraftService(name, context.file);
  if (name !== composeName) service.notes.push(`renamed from compose service ${composeName} (Berth names are lower-case letters, digits, - and _)`);
  const image = typeof raw.image === 'string' ? raw.image : undefined;
  const recipe = raw.build === undefined ? recognizeRecipe(image) : undefined;
  const environment = readComposeEnvironment(raw.environment);
  service.notes.push(...environment.notes.map((n) => `not mapped: ${n}`));
  if (recipe !== undefined && image !== undefined) {
    if (recipe === 'postgres') applyPostgresRecipe(service, image, environment.entries, readEnvFileKeys(raw.env_file, context.files), raw.command, context.file);
    else applyRedisRecipe(service, image, environment.entries, raw.command, context.file);
    applyPort(service, raw, context, recipe === 'postgres' ? 5432 : 6379);
    if (raw.volumes !== undefined) describeRecipeVolumes(recipe, raw.volumes, service);
  } else {
    const build = readServiceBuild(raw, image, context);
    const mapped = mapComposeCommand(raw, build?.dockerfile);
    const infrastructure = classifyInfrastructure(composeName, image, raw, context);
    if (infrastructure !== undefined) return { kind: 'dropped', dropped: infrastructure };
    if (mapped.command === undefined && build === undefined) {
      const reason = `image ${image ?? '(none)'} with no command: Berth runs native processes, so install the program and add the service with its command`;
      return { kind: 'dropped', dropped: { name, source: context.file, reason, kind: 'other', upstreams: [] } };
    }
    if (mapped.command !== undefined) setField(service, 'command', mapped.command, joinComments(mapped.comment, image !== undefined && build === undefined ? `compose image ${image}: install what it provided on the server` : undefined, commentOnCommand(mapped.command)));
    if (build !== undefined) {
      service.buildContext = build.context;
      if (build.context !== undefined && build.context !== '.') setField(service, 'cwd', build.context, 'the compose build context');
      service.notes.push(...build.notes);
      if (image !== undefined && raw.build !== undefined) service.notes.push(describeUnmapped('image', image));
    }
    applyEnvironment(service, raw, environment.entries, context);
    applyPort(service, raw, context, undefined);
    if (raw.healthcheck !== undefined) {
      const probe = mapComposeHealthcheck(raw.healthcheck, readPort(service));
      if (probe.probe !== undefined) setField(service, 'ready', probe.probe, probe.comment);
      service.notes.push(...probe.notes.map((n) => `not mapped: ${n}`));
    }
  }
  const dependencies = mapComposeDependsOn(raw.depends_on, context.directory);
  service.dependsOn.push(...dependencies.dependencies);
  service.dependsOnForm = dependencies.form;
  service.notes.push(...dependencies.notes.map((n) => `not mapped: ${n}`));
  applyComposeLifecycle(service, raw);
  const handled = recipe === undefined ? APP_KEYS : RECIPE_KEYS;
  for (const [key, value] of Object.entries(raw)) if (!handled.has(key) && !(key === 'image' && recipe === undefined)) service.notes.push(describeUnmapped(key, value));
  return { kind: 'service', service };
}

function applyEnvironment(service: DraftService, raw: Readonly<Record<string, unknown>>, entries: ReadonlyMap<string, unknown>, context: ComposeContext): void {
  const env = mapComposeEnvironment(entries, context.directory, context.file);
  if (Object.keys(env.env).length > 0) setField(service, 'env', env.env).entryComments = env.comments;
  service.notes.push(...env.notes.map((n) => `not mapped: ${n}`));
  const files = readEnvFiles(raw.env_file, context.files);
  if (files.paths.length > 0) setField(service, 'env_file', files.paths.length === 1 ? (files.paths[0] ?? '') : files.paths);
  service.notes.push(...files.notes);
}

function applyPort(service: DraftService, raw: Readonly<Record<string, unknown>>, context: ComposeContext, recipeDefault: number | undefined): void {
  const mapped = mapComposePorts(raw.ports, raw.expose);
  service.notes.push(...mapped.notes.map((n) => `not mapped: ${n}`));
  const command = service.fields.get('command')?.value;
  const fromCommand = mapped.port === undefined && (typeof command === 'string' || Array.isArray(command)) ? inferCommandPort(command as string | string[]) : undefined;
  const port = mapped.port ?? fromCommand ?? recipeDefault;
  if (port === undefined) return;
  const owner = context.takenPorts.get(port);
  if (owner !== undefined && recipeDefault !== undefined) {
    // A recipe always listens somewhere: take the port compose published it on, else the next free one.
    let free = mapped.hostPort !== undefined && !context.takenPorts.has(mapped.hostPort) ? mapped.hostPort : recipeDefault + 1;
    while (context.takenPorts.has(free)) free += 1;
    context.takenPorts.set(free, service.name);
    setField(service, 'port', free, `${String(port)} is taken by ${owner}${mapped.comment === undefined ? '' : `; ${mapped.comment}`}`);
    return;
  }
  if (owner !== undefined && owner !== service.name) {
    service.notes.push(`not mapped: port ${String(port)} (${owner} uses it too; inside compose each container had its own): give this service another port, or http: {}`);
    return;
  }
  context.takenPorts.set(port, service.name);
  const comment = mapped.port === undefined ? (fromCommand === undefined ? undefined : 'from the command') : mapped.comment;
  if (port !== recipeDefault) setField(service, 'port', port, comment);
  else if (comment !== undefined) service.notes.push(`port ${String(port)}: ${comment}`);
}

function readPort(service: DraftService): number | undefined {
  const port = service.fields.get('port')?.value;
  return typeof port === 'number' ? port : undefined;
}

// Its own `build:`, or the build of the service that builds the image it runs (api + worker on one image).
function readServiceBuild(raw: Readonly<Record<string, unknown>>, image: string | undefined, context: ComposeContext): BuildInfo | undefined {
  if (raw.build !== undefined) return readComposeBuild(raw.build, context.files);
  const owner = image === undefined ? undefined : context.imageBuilds.get(image);
  if (owner === undefined) return undefined;
  const build = readComposeBuild(owner.build, context.files);
  return { ...build, notes: [`runs image ${image ?? ''}, which compose builds for ${owner.name}: same code, same cwd`] };
}

function readEnvFiles(raw: unknown, files: ProjectFiles): { paths: string[]; notes: string[] } {
  const paths: string[] = [];
  const notes: string[] = [];
  for (const entry of Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]) {
    const path = typeof entry === 'string' ? entry : entry !== null && typeof entry === 'object' ? (entry as Record<string, unknown>).path : undefined;
    const required = !(entry !== null && typeof entry === 'object' && (entry as Record<string, unknown>).required === false);
    if (typeof path !== 'string') notes.push(`not mapped: env_file entry ${JSON.stringify(entry)} (not a path)`);
    else if (!required && !files.exists(path)) notes.push(`not mapped: env_file ${path} (optional in compose and not here; Berth requires listed env files)`);
    else paths.push(path);
  }
  return { paths, notes };
}

function readEnvFileKeys(raw: unknown, files: ProjectFiles): Set<string> {
  const keys = new Set<string>();
  for (const path of readEnvFiles(raw, files).paths) {
    const text = files.read(path);
    if (text !== undefined) for (const key of parseEnvFile(text, path).values.keys()) keys.add(key);
  }
  return keys;
}
