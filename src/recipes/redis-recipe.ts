// The redis recipe: find `redis-server`, refuse a data folder that holds others' files, write the config under
// `.berth/run/` on every start, wait for PING, stop with SHUTDOWN SAVE, and hand dependents a URL.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isPortFree } from './check-port-free.js';
import { findRedisServer } from './redis-binary.js';
import { renderRedisConfig } from './redis-config.js';
import { inspectRedisDataDir } from './redis-data-dir.js';
import { redisUrl } from './recipe-urls.js';
import { waitForRedis } from './redis-provision.js';
import { shutdownRedis } from './redis-shutdown.js';
import { buildServerEnv, createDataFolder, createRecipeFailer, failWithoutData } from './prepare-recipe-parts.js';
import { recipeSuccess, type RecipeContext, type RecipeDriver, type RecipeLaunch, type RecipeOutcome } from './recipe-types.js';

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
  const fail = createRecipeFailer(service, 'redis');
  const server = findRedisServer(service.bin_dir, context.baseEnv.PATH);
  if (!server.ok) return fail('BERTH_E_RECIPE_BINARIES', { reason: server.reason, install: INSTALL_HINT }, 'the `redis-server` binary', server.reason);
  const dataDir = service.data;
  if (dataDir === null) return failWithoutData(fail);
  const state = inspectRedisDataDir(dataDir);
  if (state.kind === 'foreign') return fail('BERTH_E_RECIPE_FOREIGN_DATA', { dir: dataDir }, 'a missing or empty folder, or one holding only Redis\'s files', state.reason);
  if (!(await isPortFree(port))) return fail('BERTH_E_RECIPE_PORT_IN_USE', { port: String(port), owner: '' }, `port ${String(port)} free on 127.0.0.1`, 'something already listening there');
  // Private, as Redis's own package makes it.
  if (state.kind === 'absent' || state.kind === 'empty') createDataFolder(dataDir);
  const configFile = redisConfigFile(stateDir, service.name);
  mkdirSync(dirname(configFile), { recursive: true, mode: 0o700 });
  // Why chmod after writing: `mode` applies only when the file is created, and the file may hold `requirepass`.
  writeFileSync(configFile, renderRedisConfig({ service: service.name, port, dataDir, appendfsync: service.appendfsync, password: service.password }), { mode: 0o600 });
  chmodSync(configFile, 0o600);
  return recipeSuccess({ command: { argv: [server.file, configFile, ...service.args] }, cwd: dataDir, env: buildServerEnv(context.baseEnv), stopSignal: 'SIGTERM' });
}
