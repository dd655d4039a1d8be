// package.json: the `start` script becomes a `web` service, `build` its build step, `name` the stack name.
import { createDraft, createDraftService, setField, type DraftService } from './init-draft.js';
import { failSource, type DetectResult } from './detect-result.js';
import type { ProjectFiles } from './project-files.js';
import { sanitizeName } from './sanitize-name.js';

const LOCKFILES = { npm: ['package-lock.json', 'npm-shrinkwrap.json'], yarn: ['yarn.lock'], pnpm: ['pnpm-lock.yaml'] } as const;
const SOURCE_INPUTS = ['src', 'app', 'lib', 'pages', 'public', 'server', 'tsconfig.json', 'vite.config.ts', 'vite.config.js', 'next.config.js', 'next.config.mjs'];

type PackageManager = keyof typeof LOCKFILES;

const isRecord = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** Maps package.json (`text`) to a draft; `files` tells which lockfiles and source folders exist. */
export function detectPackageJson(text: string, files: ProjectFiles, file = 'package.json'): DetectResult {
  let pkg: unknown;
  try {
    pkg = JSON.parse(text);
  } catch (error) {
    return failSource(file, error instanceof Error ? error.message : String(error));
  }
  if (!isRecord(pkg)) return failSource(file, 'it is not a JSON object');
  const draft = createDraft([file]);
  const name = typeof pkg.name === 'string' ? sanitizeName(pkg.name) : undefined;
  if (name !== undefined) draft.name = { value: name, comment: name === pkg.name ? undefined : `from package.json name ${String(pkg.name)}` };
  const scripts = isRecord(pkg.scripts) ? pkg.scripts : {};
  const manager = choosePackageManager(pkg, files);
  const lockfile = LOCKFILES[manager].find((f) => files.exists(f));
  if (typeof scripts.start === 'string') {
    draft.services.push(createWebService(file, manager, scripts.start, pkg.engines));
  } else if (typeof scripts.dev === 'string') {
    draft.notes.push(`${file} has a \`dev\` script (${scripts.dev}) but no \`start\`: a dev server is not for production.`, 'Add a `start` script and a service with `command: npm start`, `http: {}`.');
  } else {
    draft.notes.push(`${file} has no \`start\` script, so no service was made from it.`);
  }
  const web = draft.services[0];
  if (typeof scripts.build === 'string' && web !== undefined) {
    const inputs = [file, ...(lockfile === undefined ? [] : [lockfile]), ...SOURCE_INPUTS.filter((p) => files.exists(p))];
    const build = setField(web, 'build', { command: `${manager} run build`, inputs }, `package.json build: ${scripts.build}`);
    if (inputs.length === (lockfile === undefined ? 1 : 2)) build.comment = `${build.comment ?? ''}; add the folders the build reads to inputs`;
    build.before = [`berth deploy builds in a fresh release folder: if node_modules is not there, use \`${installCommand(manager, lockfile)} && ${manager} run build\``];
  } else if (typeof scripts.build === 'string') {
    draft.notes.push(`${file} build script (${scripts.build}) not attached: there is no service to build.`);
  }
  if (Array.isArray(pkg.workspaces) || isRecord(pkg.workspaces)) draft.notes.push(`${file} declares workspaces: only this folder's scripts were read; add services for other workspaces by hand.`);
  return { ok: true, draft };
}

function createWebService(file: string, manager: PackageManager, start: string, engines: unknown): DraftService {
  const web = createDraftService('web', file);
  const node = isRecord(engines) && typeof engines.node === 'string' ? `; needs node ${engines.node}` : '';
  setField(web, 'command', `${manager} start`, `package.json start: ${start}${node}`);
  setField(web, 'http', {}, 'Berth assigns $PORT: the server must listen on process.env.PORT');
  web.notes.push('ready: { http: /health }   # suggested: uncomment once the app answers on a health path');
  return web;
}

function choosePackageManager(pkg: Record<string, unknown>, files: ProjectFiles): PackageManager {
  const declared = typeof pkg.packageManager === 'string' ? pkg.packageManager.split('@')[0] : undefined;
  if (declared === 'npm' || declared === 'yarn' || declared === 'pnpm') return declared;
  if (files.exists('pnpm-lock.yaml')) return 'pnpm';
  if (files.exists('yarn.lock')) return 'yarn';
  return 'npm';
}

function installCommand(manager: PackageManager, lockfile: string | undefined): string {
  if (manager === 'npm') return lockfile === undefined ? 'npm install' : 'npm ci';
  return manager === 'yarn' ? 'yarn install --frozen-lockfile' : 'pnpm install --frozen-lockfile';
}
