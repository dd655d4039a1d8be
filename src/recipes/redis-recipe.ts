// The redis recipe: find `redis-server`, refuse a data folder that holds others' files, write the config under
// `.berth/run/` on every start, wait for PING, stop with SHUTDOWN SAVE, and hand dependents a URL.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createDiagnostic } from '../errors/diagnostic.js';
import { isPortFree } from './check-port-free.js';
import { findRedisServer } from './redis-binary.js';
import { renderRedisConfig } from './redis-config.js';
import { inspectRedisDataDir } from './redis-data-dir.js';
import { redisUrl } from './recipe-urls.js';
import { waitForRedis } from './redis-provision.js';
import { shutdownRedis } from './redis-shutdown.js';
import { recipeFailure, recipeSuccess, type RecipeContext, type RecipeDriver, type RecipeLaunch, type RecipeOutcome } from './recipe-types.js';

const INSTALL_HINT = 'install Debian\'s server (`apt-get install redis-server`), or put `redis-server` on PATH';

/** The generated config file of a redis service. */
export const redisConfigFile = (stateDir: string, service: string): string => join(stateDir, 'run', `${service}.redis.conf`);

export const redisRecipe: RecipeDriver = {
  prepare: prepareRedis,
  provision: (context, _launch, signal) => waitForRedis(context.service.name, redisUrl(context), signal),
  shutdown: async (context, signal) => {
    await shutdownRedis(redisUrl(context), 5000, signal);
  },
  url: redisUrl,
};

async function prepareRedis(context: RecipeContext): Promise<RecipeOutcome<RecipeLaunch>> {
  const { service, stateDir, port } = context;
  const fail = (code: Parameters<typeof createDiagnostic>[0], params: Record<string, string>, expected?: string, found?: string): RecipeOutcome<RecipeLaunch> =>
    recipeFailure(createDiagnostic(code, { service: service.name, params: { service: `\`${service.name}\``, recipe: 'redis', ...params }, ...(expected === undefined ? {} : { expected }), ...(found === undefined ? {} : { found }) }));
  const server = findRedisServer(service.bin_dir, context.baseEnv.PATH);
  if (!server.ok) return fail('BERTH_E_RECIPE_BINARIES', { reason: server.reason, install: INSTALL_HINT }, 'the `redis-server` binary', server.reason);
  const dataDir = service.data;
  if (dataDir === null) return fail('BERTH_E_RECIPE_START', { reason: 'it has no `data:` folder', advice: 'add `data: ./data/NAME` to the service' });
  const state = inspectRedisDataDir(dataDir);
  if (state.kind === 'foreign') return fail('BERTH_E_RECIPE_FOREIGN_DATA', { dir: dataDir }, 'a missing or empty folder, or one holding only Redis\'s files', state.reason);
  if (!(await isPortFree(port))) return fail('BERTH_E_RECIPE_PORT_IN_USE', { port: String(port), owner: '' }, `port ${String(port)} free on 127.0.0.1`, 'something already listening there');
  if (state.kind === 'absent' || state.kind === 'empty') {
    // Parents with the usual mode; the data folder itself private, as Redis's own package makes it.
    mkdirSync(dirname(dataDir), { recursive: true });
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  }
  const configFile = redisConfigFile(stateDir, service.name);
  mkdirSync(dirname(configFile), { recursive: true, mode: 0o700 });
  // Why chmod after writing: `mode` applies only when the file is created, and the file may hold `requirepass`.
  writeFileSync(configFile, renderRedisConfig({ service: service.name, port, dataDir, appendfsync: service.appendfsync, password: service.password }), { mode: 0o600 });
  chmodSync(configFile, 0o600);
  const env: Record<string, string> = { PATH: context.baseEnv.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8' };
  return recipeSuccess({ command: { argv: [server.file, configFile, ...service.args] }, cwd: dataDir, env, stopSignal: 'SIGTERM' });
}
