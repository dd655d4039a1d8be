// Compose services running the official postgres or redis image become Berth recipes.
import { convertComposeVariables } from './convert-compose-variables.js';
import { setField, type DraftService, type DraftValue } from './init-draft.js';
import { isSecretLiteral } from './secret-values.js';
import { sanitizeName } from './sanitize-name.js';
import { splitOutsideVariables } from './split-outside-variables.js';
import { splitShellWords } from './split-shell-words.js';

export type Recipe = 'postgres' | 'redis';

const POSTGRES_CONSUMED = new Set(['POSTGRES_DB', 'POSTGRES_USER', 'POSTGRES_PASSWORD', 'PGDATA']);

/** The recipe for an image reference (`postgres:16-alpine`, `docker.io/library/redis:7`), else undefined. */
export function recognizeRecipe(image: unknown): Recipe | undefined {
  if (typeof image !== 'string') return undefined;
  const base = image.replace(/[@:][^/]*$/, '').split('/').pop() ?? '';
  if (base === 'postgres' || base === 'postgresql') return 'postgres';
  if (base === 'redis') return 'redis';
  return undefined;
}

/** Fills a postgres recipe from the image's environment (POSTGRES_DB/USER/PASSWORD) and `-c` settings in its command. */
export function applyPostgresRecipe(service: DraftService, image: string, env: ReadonlyMap<string, unknown>, envFileKeys: ReadonlySet<string>, command: unknown, file: string): void {
  setField(service, 'recipe', 'postgres', `compose image ${image}: Berth runs the server's own PostgreSQL, so install that version`);
  setField(service, 'data', `./data/${service.name}`, 'a new, empty data folder: move existing data with pg_dump / pg_restore');
  for (const key of ['POSTGRES_DB', 'POSTGRES_USER'] as const) {
    const field = key === 'POSTGRES_DB' ? 'database' : 'user';
    const value = env.get(key);
    if (typeof value === 'string' && value !== '') {
      const converted = convertComposeVariables(value);
      const name = converted.includes('${') ? converted : sanitizeName(value);
      if (name !== undefined) setField(service, field, name, name === value ? undefined : `compose ${key}: ${value}`);
      else service.notes.push(`not mapped: ${key}=${value} is not a Berth name`);
    } else if (envFileKeys.has(key)) {
      setField(service, field, `\${${key}}`, `${key} is in the service's env_file; Berth reads \${...} from .env`);
    }
  }
  if (!service.fields.has('database')) {
    // The image names the database after POSTGRES_USER, else `postgres`; Berth's default is the stack name.
    const user = service.fields.get('user')?.value;
    if (typeof user === 'string') setField(service, 'database', user, 'compose had no POSTGRES_DB: the image names the database after the user');
    else service.notes.push('compose had no POSTGRES_DB / POSTGRES_USER (the image uses `postgres` for both); Berth names them after the stack');
  }
  const password = env.get('POSTGRES_PASSWORD');
  if (typeof password === 'string' && password !== '') {
    const literal = isSecretLiteral('POSTGRES_PASSWORD', password);
    setField(service, 'password', literal ? '${POSTGRES_PASSWORD}' : convertComposeVariables(password), literal ? `not copied: ${file} has this password literally; put POSTGRES_PASSWORD=... in .env` : undefined);
  } else if (envFileKeys.has('POSTGRES_PASSWORD')) {
    setField(service, 'password', '${POSTGRES_PASSWORD}', 'POSTGRES_PASSWORD is in the service\'s env_file; Berth reads ${...} from .env');
  } else {
    service.notes.push('no POSTGRES_PASSWORD in compose: Berth generates a password and keeps it under .berth/secrets/');
  }
  for (const [key, value] of env) {
    if (POSTGRES_CONSUMED.has(key)) continue;
    service.notes.push(`not mapped: environment ${key}${isSecretLiteral(key, value) ? '' : `=${String(value)}`} (an image setting; the recipe configures PostgreSQL itself)`);
  }
  if (command !== undefined) applyPostgresCommand(service, command);
}

/** Fills a redis recipe: `--requirepass` becomes the password, `--appendfsync` its field, other flags `args`. */
export function applyRedisRecipe(service: DraftService, image: string, env: ReadonlyMap<string, unknown>, command: unknown, file: string): void {
  setField(service, 'recipe', 'redis', `compose image ${image}: Berth runs the server's own redis-server`);
  setField(service, 'data', `./data/${service.name}`, 'a new, empty data folder');
  for (const [key] of env) service.notes.push(`not mapped: environment ${key} (the recipe configures redis itself)`);
  if (command === undefined) return;
  const words = readWords(command);
  if (words === undefined) {
    service.notes.push(`not mapped: command ${JSON.stringify(command)} (could not split it into arguments)`);
    return;
  }
  const args: string[] = [];
  for (let i = words[0]?.includes('redis-server') === true ? 1 : 0; i < words.length; i += 1) {
    const word = words[i] ?? '';
    const next = words[i + 1];
    if (word === '--requirepass' && next !== undefined) {
      const literal = isSecretLiteral('requirepass', next);
      setField(service, 'password', literal ? '${REDIS_PASSWORD}' : convertComposeVariables(next), literal ? `not copied: ${file} has this password literally; put REDIS_PASSWORD=... in .env` : undefined);
      i += 1;
    } else if (word === '--appendfsync' && (next === 'always' || next === 'everysec' || next === 'no')) {
      setField(service, 'appendfsync', next);
      i += 1;
    } else if (word.startsWith('--')) {
      args.push(convertComposeVariables(word));
    } else if (args.length > 0) {
      args.push(convertComposeVariables(word));
    } else {
      service.notes.push(`not mapped: command argument ${word} (a path inside the container)`);
    }
  }
  if (args.length > 0) setField(service, 'args', args, 'from the compose command');
}

function applyPostgresCommand(service: DraftService, command: unknown): void {
  const words = readWords(command);
  const settings: Record<string, DraftValue> = {};
  const rest: string[] = [];
  for (let i = 0; words !== undefined && i < words.length; i += 1) {
    const word = words[i] ?? '';
    const setting = word === '-c' ? words[++i] : word.startsWith('-c') ? word.slice(2) : undefined;
    const eq = setting?.indexOf('=') ?? -1;
    if (setting !== undefined && eq > 0) settings[setting.slice(0, eq)] = toSetting(setting.slice(eq + 1));
    else if (!(i === 0 && word === 'postgres')) rest.push(word);
  }
  if (Object.keys(settings).length > 0) setField(service, 'settings', settings, 'from the compose command (-c)');
  if (words === undefined || rest.length > 0) service.notes.push(`not mapped: command ${words === undefined ? JSON.stringify(command) : rest.join(' ')} (only -c settings carry over)`);
}

function readWords(command: unknown): string[] | undefined {
  if (typeof command === 'string') return splitShellWords(command);
  return Array.isArray(command) ? command.map(String) : undefined;
}

function toSetting(value: string): DraftValue {
  return /^\d+$/.test(value) ? Number(value) : value;
}

const DATA_TARGETS: Readonly<Record<Recipe, readonly string[]>> = { postgres: ['/var/lib/postgresql/data', '/var/lib/postgresql'], redis: ['/data'] };

/** Notes for a recipe's compose volumes: its data, init scripts, and anything else. */
export function describeRecipeVolumes(recipe: Recipe, volumes: unknown, service: DraftService): void {
  for (const volume of Array.isArray(volumes) ? volumes : [volumes]) {
    const spec = readVolume(volume);
    if (spec === undefined) {
      service.notes.push(`not mapped: volume ${JSON.stringify(volume)} (not a volume)`);
    } else if (DATA_TARGETS[recipe].includes(spec.target.replace(/\/+$/, ''))) {
      const move = recipe === 'postgres' ? 'pg_dump it and pg_restore into Berth' : 'copy its dump.rdb / appendonly files';
      service.notes.push(`not mapped: volume ${spec.source}:${spec.target} held the data; Berth starts empty in ./data/${service.name}: ${move}`);
    } else if (spec.target.startsWith('/docker-entrypoint-initdb.d')) {
      service.notes.push(`not mapped: volume ${spec.source} holds init scripts the image ran on first start: run them once with psql, or from a \`release:\` command`);
    } else {
      service.notes.push(`not mapped: volume ${spec.source}:${spec.target} (a path inside the container)`);
    }
  }
}

function readVolume(volume: unknown): { source: string; target: string } | undefined {
  if (typeof volume === 'string') {
    const [source = '', target] = splitOutsideVariables(volume, ':');
    return target === undefined ? { source: '(anonymous)', target: source } : { source, target };
  }
  if (volume !== null && typeof volume === 'object') {
    const long = volume as Record<string, unknown>;
    if (typeof long.target === 'string') return { source: typeof long.source === 'string' ? long.source : '(anonymous)', target: long.target };
  }
  return undefined;
}
