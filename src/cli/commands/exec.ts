// `berth exec SERVICE -- COMMAND...`: run a command with a service's environment in its working folder,
// attached to this terminal, and exit with the command's exit code. The environment is never printed.
import { buildServiceEnv, type ServiceEnv } from '../../api/service-env.js';
import { callApi } from '../../client/api-client.js';
import { runInteractive } from '../../exec/run-interactive.js';
import { describeChoices } from '../../shared/suggest.js';
import { EXIT, type CliIo } from '../io.js';
import { loadForCli, printDiagnostics } from '../load-for-cli.js';
import { parseOptions } from '../parse-options.js';
import { findStack, STACK_OPTIONS } from '../stack-target.js';
import { usageError } from './check.js';

export const EXEC_HELP = `Usage: berth exec SERVICE [--file FILE] [--env NAME] -- COMMAND [ARG...]

Runs COMMAND with the environment the service's instances get (its env and env files, $PORT,
$BERTH_SERVICE, ...) on top of your own, in the service's working folder, attached to this
terminal. Exits with the command's exit code (127: not found, 128+N: killed by signal N).
The command runs directly, not through a shell: use \`-- sh -c '...'\` for shell syntax.

Values only known while the stack runs (an assigned $PORT, \${services.api.port}) come from the
running daemon, as instance 1 sees them. With no daemon they are left unset and named on stderr.
  --env NAME   the environment overlay, when no daemon runs (a running daemon's own is used)`;

// Options of exec itself that take a value; used to find the service name when there is no `--`.
const VALUE_OPTIONS = new Set(['-f', '--file', '--env']);

/** Splits `[options] SERVICE [--] COMMAND...` into exec's own arguments and the command. */
export function splitExecArgs(args: readonly string[]): { own: string[]; command: string[] } {
  const dash = args.indexOf('--');
  if (dash >= 0) return { own: args.slice(0, dash), command: args.slice(dash + 1) };
  let i = 0;
  while (i < args.length) {
    const arg = args[i] ?? '';
    if (VALUE_OPTIONS.has(arg)) i += 2;
    else if (arg.startsWith('-')) i += 1;
    else break;
  }
  return { own: args.slice(0, i + 1), command: args.slice(i + 1) };
}

type Resolved = { readonly ok: true; readonly value: ServiceEnv; readonly daemon: boolean } | { readonly ok: false; readonly code: number };

async function resolveEnv(io: CliIo, name: string, file: string, socket: string, environment: string | undefined): Promise<Resolved> {
  const answer = await callApi(socket, 'GET', `/v1/services/${encodeURIComponent(name)}/env`, 10_000);
  if (answer.ok && answer.status === 200) return { ok: true, value: answer.body as ServiceEnv, daemon: true };
  if (answer.ok && answer.status === 404) {
    const body = answer.body as { error?: { message?: string; services?: string[] } };
    io.stderr(`berth exec: ${body.error?.message ?? `service ${name} does not exist`}; ${describeChoices(name, body.error?.services ?? [], 'service')}`);
    return { ok: false, code: EXIT.badInput };
  }
  const loaded = loadForCli(io, file, environment);
  if (!loaded.ok) {
    printDiagnostics(io, loaded.diagnostics, loaded.context.sources);
    return { ok: false, code: EXIT.badInput };
  }
  const service = loaded.stack.services[name];
  if (service === undefined) {
    io.stderr(`berth exec: no service named ${name}; ${describeChoices(name, Object.keys(loaded.stack.services), 'service')}`);
    return { ok: false, code: EXIT.badInput };
  }
  // Without a daemon nothing is assigned yet: late references stay unset.
  return { ok: true, value: buildServiceEnv({ stackName: loaded.stack.name, service, port: null, lookup: () => undefined }), daemon: false };
}

export async function runExec(args: readonly string[], io: CliIo): Promise<number> {
  const { own, command } = splitExecArgs(args);
  const parsed = parseOptions('exec', own, STACK_OPTIONS);
  if (!parsed.ok) return usageError(io, parsed.diagnostic);
  if (parsed.values.help === true) return (io.stdout(EXEC_HELP), EXIT.ok);
  const [name, ...extra] = parsed.positionals;
  const [program, ...programArgs] = command;
  if (name === undefined || extra.length > 0 || program === undefined) {
    io.stderr(name === undefined ? 'berth exec: name a service' : extra.length > 0 ? `berth exec: one service before \`--\`, not ${parsed.positionals.join(' ')}` : 'berth exec: name a command after the service');
    io.stderr(EXEC_HELP);
    return EXIT.badInput;
  }
  const { file, paths } = findStack(io, parsed.values.file);
  const environment = typeof parsed.values.env === 'string' ? parsed.values.env : undefined;
  const resolved = await resolveEnv(io, name, file, paths.socket, environment);
  if (!resolved.ok) return resolved.code;
  const { value } = resolved;
  if (value.missing.length > 0) {
    io.stderr(resolved.daemon
      ? `berth exec: not set, as ${name} has no value for them yet (is it running?): ${value.missing.join(', ')}`
      : `berth exec: no daemon runs, so values known only while the stack runs are not set: ${value.missing.join(', ')} (start the stack with \`berth up -d\`)`);
  }
  const env: Record<string, string> = {};
  for (const [key, v] of Object.entries(io.env)) if (v !== undefined) env[key] = v;
  // A late value the daemon could not fill must not come from the caller's own environment by accident.
  for (const key of value.missing) delete env[key];
  Object.assign(env, value.env);
  const result = await runInteractive({ argv: [program, ...programArgs], cwd: value.cwd, env });
  if (result.error !== undefined) io.stderr(`berth exec: ${program}: ${result.error}`);
  return result.exitCode;
}
