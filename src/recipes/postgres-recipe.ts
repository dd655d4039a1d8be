// The postgres recipe: find the server, initialise the data folder once, write berth.conf, run `postgres` (as an
// unprivileged user when Berth is root), then create the database and its role, and hand dependents a URL.
import { appendFileSync, chmodSync, chownSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findPostgresBinaries } from './find-postgres.js';
import { inspectPostgresDataDir } from './postgres-data-dir.js';
import { INCLUDE_LINE, renderPostgresConfig } from './postgres-config.js';
import { postgresSecretNames, postgresSocketDir } from './postgres-paths.js';
import { initPostgresCluster } from './postgres-init.js';
import { provisionPostgres } from './postgres-provision.js';
import { isPortFree } from './check-port-free.js';
import { readOrCreateSecret, readSecret } from './recipe-secrets.js';
import { postgresRolePassword, postgresUrl } from './recipe-urls.js';
import { buildServerEnv, createDataFolder, createRecipeFailer, failWithoutData } from './prepare-recipe-parts.js';
import { recipeSuccess, type RecipeContext, type RecipeDriver, type RecipeLaunch, type RecipeOutcome } from './recipe-types.js';
import { findBlockingFolder, findSystemUser, runsAsRoot, type SystemUser } from './unprivileged-user.js';

const INSTALL_HINT = 'install Debian\'s server (`apt-get install postgresql`), or set `bin_dir:` to the folder that holds `postgres` and `initdb`';

export const postgresRecipe: RecipeDriver = {
  prepare: preparePostgres,
  provision: (context, _launch, signal) => provisionPostgres({
    socketDir: postgresSocketDir(context.stateDir, context.service.name), port: context.port, service: context.service,
    superuserPassword: readSecret(context.stateDir, postgresSecretNames(context.service.name).superuser), rolePassword: postgresRolePassword(context),
    ...(context.subscribeOutput === undefined ? {} : { subscribeOutput: context.subscribeOutput }),
  }, signal),
  url: postgresUrl,
};

async function preparePostgres(context: RecipeContext): Promise<RecipeOutcome<RecipeLaunch>> {
  const { service, stateDir, port } = context;
  const fail = createRecipeFailer(service, 'postgres');
  const found = findPostgresBinaries(service.bin_dir, context.baseEnv.PATH);
  if (!found.ok) return fail('BERTH_E_RECIPE_BINARIES', { reason: found.reason, install: INSTALL_HINT }, 'the PostgreSQL server binaries', found.reason);
  const { binaries } = found;
  const dataDir = service.data;
  if (dataDir === null) return failWithoutData(fail);
  const state = inspectPostgresDataDir(dataDir);
  if (state.kind === 'foreign') return fail('BERTH_E_RECIPE_FOREIGN_DATA', { dir: dataDir }, 'a missing or empty folder, or a PostgreSQL data folder', state.reason);
  if (state.kind === 'cluster' && state.major !== binaries.major) {
    return fail('BERTH_E_RECIPE_VERSION_MISMATCH', { dir: dataDir, data: String(state.major), binaries: binaries.version, bin_dir: binaries.binDir }, `PostgreSQL ${String(state.major)} binaries`, `PostgreSQL ${binaries.version} in ${binaries.binDir}`);
  }
  if (!(await isPortFree(port))) return fail('BERTH_E_RECIPE_PORT_IN_USE', { port: String(port), owner: '' }, `port ${String(port)} free on 127.0.0.1`, 'something already listening there');
  let user: SystemUser | undefined;
  if (runsAsRoot()) {
    user = findSystemUser(['postgres', 'nobody']);
    if (user === undefined) return fail('BERTH_E_RECIPE_START', { reason: 'Berth runs as root and there is no `postgres` or `nobody` user to run the server as', advice: 'create a system user `postgres` (`adduser --system postgres`), or run Berth as a normal user' });
  }
  const socketDir = postgresSocketDir(stateDir, service.name);
  const access = prepareFolders({ stateDir, socketDir, dataDir, user, fresh: state.kind !== 'cluster' });
  if (access !== undefined) return fail('BERTH_E_RECIPE_PERMISSION', { user: `\`${user?.name ?? '?'}\``, path: access }, `\`${user?.name ?? '?'}\` may pass through every folder above the data folder`, `${access} is closed to it`);
  if (state.kind !== 'cluster') {
    const superuser = readOrCreateSecret(stateDir, postgresSecretNames(service.name).superuser);
    const init = await initPostgresCluster({ binDir: binaries.binDir, dataDir, socketDir, password: superuser, user });
    if (!init.ok) return fail('BERTH_E_RECIPE_START', { reason: `initdb failed: ${init.output}`, advice: 'read initdb\'s words above; the data folder was left as it was before' });
  }
  writeConfig(dataDir, renderPostgresConfig({ port, socketDir, settings: service.settings }), user);
  return recipeSuccess({ command: { argv: [join(binaries.binDir, 'postgres'), '-D', dataDir] }, cwd: dataDir, env: buildServerEnv(context.baseEnv), stopSignal: 'SIGINT', ...(user === undefined ? {} : { user }) });
}

interface FolderPlan {
  readonly stateDir: string;
  readonly socketDir: string;
  readonly dataDir: string;
  readonly user: SystemUser | undefined;
  readonly fresh: boolean;
}

// Why the chmods: the server runs as another user and must reach its socket folder under `.berth/run`; 0711 lets
// it pass through without listing; secrets/ and logs/ stay 0700. Returns the folder it cannot reach, if any.
function prepareFolders(plan: FolderPlan): string | undefined {
  const { user } = plan;
  mkdirSync(plan.socketDir, { recursive: true, mode: 0o700 });
  if (plan.fresh) createDataFolder(plan.dataDir);
  if (user === undefined) return undefined;
  for (const dir of [plan.stateDir, join(plan.stateDir, 'run')]) {
    const mode = plan.socketDir.startsWith(dir) ? statSync(dir, { throwIfNoEntry: false })?.mode : undefined;
    if (mode !== undefined && (mode & 0o011) !== 0o011) chmodSync(dir, (mode & 0o777) | 0o011);
  }
  chownSync(plan.socketDir, user.uid, user.gid);
  chmodSync(plan.socketDir, 0o700);
  if (plan.fresh) chownSync(plan.dataDir, user.uid, user.gid);
  return findBlockingFolder(plan.socketDir, user) ?? findBlockingFolder(plan.dataDir, user);
}

function writeConfig(dataDir: string, text: string, user: SystemUser | undefined): void {
  const file = join(dataDir, 'berth.conf');
  writeFileSync(file, text, { mode: 0o600 });
  if (user !== undefined) chownSync(file, user.uid, user.gid);
  const main = join(dataDir, 'postgresql.conf');
  const current = existsSync(main) ? readFileSync(main, 'utf8') : '';
  if (!current.includes("include_if_exists = 'berth.conf'")) appendFileSync(main, `${current.endsWith('\n') || current === '' ? '' : '\n'}${INCLUDE_LINE}\n`);
}
