// `berth daemon`: the background daemon that `berth up -d` starts. Not meant to be run by hand.
// Started by `berth up -d` it reads the stack the CLI already loaded from stdin (--stack-from-stdin) and never
// imports the stack loader; started by systemd (`berth startup`) it loads berth.yml itself.
import type { ResolvedStack } from '../../config/resolved-stack.js';
import { decodeStack } from '../../daemon/stack-handoff.js';
import { prefillFifoPool } from '../../exec/fifo-pool.js';
import { EXIT, type CliIo } from '../io.js';
import { parseOptions } from '../parse-options.js';
import { printDiagnostics, usageError } from '../print-diagnostics.js';
import { findStack, STACK_OPTIONS } from '../stack-target.js';

export const DAEMON_HELP = `Usage: berth daemon --file FILE [--env NAME] [--stack-from-stdin] [SERVICE...]   (started by \`berth up -d\`)

  --stack-from-stdin   take the already loaded stack from stdin (how \`berth up -d\` starts it)
                       instead of loading FILE`;

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    process.stdin.on('data', (chunk: Buffer) => chunks.push(chunk));
    process.stdin.once('end', () => {
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    process.stdin.once('error', reject);
  });
}

export async function runDaemon(args: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseOptions('daemon', args, { ...STACK_OPTIONS, 'stack-from-stdin': { type: 'boolean' } });
  if (!parsed.ok) return usageError(io, parsed.diagnostic);
  if (parsed.values.help === true) return (io.stdout(DAEMON_HELP), EXIT.ok);
  const { file, paths } = findStack(io, parsed.values.file);
  // The first services' pipes are made while the modules load, not when the first one spawns (≈ 10 ms of `up`).
  prefillFifoPool();
  // The daemon's own modules load while the stack arrives (the CLI is still validating it).
  const daemonModule = import('../../daemon/start-daemon.js');
  daemonModule.catch(() => undefined); // awaited below; this only keeps an early failure from counting as unhandled
  let stack: ResolvedStack;
  if (parsed.values['stack-from-stdin'] === true) {
    const decoded = decodeStack(await readStdin(), file);
    if (!decoded.ok) return (io.stderr(`berth daemon: ${decoded.reason}`), EXIT.badInput);
    stack = decoded.stack;
  } else {
    const { loadForCli } = await import('../load-for-cli.js');
    const loaded = loadForCli(io, file, typeof parsed.values.env === 'string' ? parsed.values.env : undefined);
    if (!loaded.ok) {
      printDiagnostics(io, loaded.diagnostics, loaded.context.sources);
      return EXIT.badInput;
    }
    stack = loaded.stack;
  }
  const { startDaemon } = await daemonModule;
  const started = await startDaemon({ stack, paths, baseEnv: io.env, services: parsed.positionals });
  if (!started.ok) return (io.stderr(`berth daemon: ${started.reason}`), EXIT.failed);
  const stop = (): void => void started.daemon.shutdown();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  await started.daemon.done;
  return EXIT.ok;
}
