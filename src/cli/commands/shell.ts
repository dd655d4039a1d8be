// `berth psql [SERVICE]` and `berth redis-cli [SERVICE]`: open the database's own shell on a recipe service,
// logged in as the stack's role with its password (from the stack or .berth/secrets/), never printed.
import { join } from 'node:path';
import type { ResolvedService, ResolvedStack } from '../../config/resolved-stack.js';
import { runInteractive } from '../../exec/run-interactive.js';
import { findPostgresBinaries } from '../../recipes/find-postgres.js';
import { postgresRolePassword } from '../../recipes/recipe-urls.js';
import { describeChoices } from '../../shared/suggest.js';
import { EXIT, type CliIo } from '../io.js';
import { loadForCli, printDiagnostics } from '../load-for-cli.js';
import { parseOptions } from '../parse-options.js';
import { findStack, STACK_OPTIONS } from '../stack-target.js';
import { splitExecArgs } from './exec.js';
import { usageError } from './check.js';

type Recipe = 'postgres' | 'redis';
const TOOL: Readonly<Record<Recipe, string>> = { postgres: 'psql', redis: 'redis-cli' };

/** Help text of `berth psql` / `berth redis-cli`. */
export const SHELL_HELP = (recipe: Recipe): string => `Usage: berth ${TOOL[recipe]} [SERVICE] [--file FILE] [--env NAME] [-- ARG...]

Opens ${TOOL[recipe]} on the ${recipe} recipe SERVICE (the only one, when the stack has one), on
127.0.0.1 at its port, ${recipe === 'postgres' ? 'as its role, in its database' : 'with its password'}. The password comes from the stack
file or .berth/secrets/ and is passed in the environment, never on the command line.
Arguments after \`--\` go to ${TOOL[recipe]} (e.g. \`berth psql -- -c 'select 1'\`).`;

/** Picks the recipe service: the named one, else the only one of that recipe. */
export function pickRecipeService(stack: ResolvedStack, recipe: Recipe, name: string | undefined): ResolvedService | string {
  const candidates = Object.values(stack.services).filter((s) => s.recipe === recipe);
  if (name !== undefined) {
    const service = stack.services[name];
    if (service?.recipe === recipe) return service;
    return `${service === undefined ? `no service named ${name}` : `${name} is not a ${recipe} recipe`}; ${describeChoices(name, candidates.map((s) => s.name), 'service')}`;
  }
  if (candidates.length === 1 && candidates[0] !== undefined) return candidates[0];
  return candidates.length === 0 ? `the stack has no ${recipe} recipe` : `name one of the ${recipe} services: ${candidates.map((s) => s.name).join(', ')}`;
}

/** The program, its arguments and the extra environment that log in to `service`. */
export function buildShellCommand(recipe: Recipe, service: ResolvedService, stateDir: string, path: string | undefined): { argv: [string, ...string[]]; env: Record<string, string> } {
  const port = String(service.port ?? (recipe === 'postgres' ? 5432 : 6379));
  if (recipe === 'redis') return { argv: ['redis-cli', '-h', '127.0.0.1', '-p', port], env: service.password === null ? {} : { REDISCLI_AUTH: service.password } };
  const found = findPostgresBinaries(service.bin_dir, path);
  // psql of the server's own version when it is beside it; the one on PATH otherwise.
  const psql = found.ok ? join(found.binaries.binDir, 'psql') : 'psql';
  const password = postgresRolePassword({ service, stateDir });
  return { argv: [psql, '-h', '127.0.0.1', '-p', port, '-U', service.user ?? 'postgres', '-d', service.database ?? 'postgres'], env: { PGPASSWORD: password } };
}

/** Makes the command for one recipe. */
export function createShellCommand(recipe: Recipe) {
  return async (args: readonly string[], io: CliIo): Promise<number> => {
    const { own, command } = splitExecArgs(args.includes('--') ? args : [...args, '--']);
    const parsed = parseOptions(TOOL[recipe], own, STACK_OPTIONS);
    if (!parsed.ok) return usageError(io, parsed.diagnostic);
    if (parsed.values.help === true) return (io.stdout(SHELL_HELP(recipe)), EXIT.ok);
    if (parsed.positionals.length > 1) return (io.stderr(`berth ${TOOL[recipe]}: one service, not ${parsed.positionals.join(' ')}`), EXIT.badInput);
    const { file, paths } = findStack(io, parsed.values.file);
    const loaded = loadForCli(io, file, typeof parsed.values.env === 'string' ? parsed.values.env : undefined);
    if (!loaded.ok) {
      printDiagnostics(io, loaded.diagnostics, loaded.context.sources);
      return EXIT.badInput;
    }
    const service = pickRecipeService(loaded.stack, recipe, parsed.positionals[0]);
    if (typeof service === 'string') return (io.stderr(`berth ${TOOL[recipe]}: ${service}`), EXIT.badInput);
    const shell = buildShellCommand(recipe, service, paths.stateDir, io.env.PATH);
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(io.env)) if (value !== undefined) env[key] = value;
    const result = await runInteractive({ argv: [...shell.argv, ...command] as [string, ...string[]], cwd: io.cwd, env: { ...env, ...shell.env } });
    if (result.error !== undefined) io.stderr(`berth ${TOOL[recipe]}: ${shell.argv[0]}: ${result.error}${recipe === 'redis' ? ' (apt-get install redis-tools)' : ' (apt-get install postgresql-client)'}`);
    return result.exitCode;
  };
}
