// `berth daemon`: the background daemon that `berth up -d` starts. Not meant to be run by hand.
import { startDaemon } from '../../daemon/start-daemon.js';
import { EXIT, type CliIo } from '../io.js';
import { loadForCli, printDiagnostics } from '../load-for-cli.js';
import { parseOptions } from '../parse-options.js';
import { findStack, STACK_OPTIONS } from '../stack-target.js';
import { usageError } from './check.js';

export const DAEMON_HELP = 'Usage: berth daemon --file FILE [--env NAME] [SERVICE...]   (started by `berth up -d`)';

export async function runDaemon(args: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseOptions('daemon', args, STACK_OPTIONS);
  if (!parsed.ok) return usageError(io, parsed.diagnostic);
  if (parsed.values.help === true) return (io.stdout(DAEMON_HELP), EXIT.ok);
  const { file, paths } = findStack(io, parsed.values.file);
  const loaded = loadForCli(io, file, typeof parsed.values.env === 'string' ? parsed.values.env : undefined);
  if (!loaded.ok) {
    printDiagnostics(io, loaded.diagnostics, loaded.context.sources);
    return EXIT.badInput;
  }
  const started = await startDaemon({ stack: loaded.stack, paths, baseEnv: io.env, services: parsed.positionals });
  if (!started.ok) return (io.stderr(`berth daemon: ${started.reason}`), EXIT.failed);
  const stop = (): void => void started.daemon.shutdown();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  await started.daemon.done;
  return EXIT.ok;
}
