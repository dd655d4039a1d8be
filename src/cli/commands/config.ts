// `berth config [FILE] [--env E] [--json]`: the resolved stack, secrets redacted.
import { stringify } from 'yaml';
import { redactStack } from '../../config/redact-stack.js';
import { EXIT, type CliIo } from '../io.js';
import { loadForCli, printDiagnostics, resolveStackFile } from '../load-for-cli.js';
import { parseOptions } from '../parse-options.js';
import { usageError } from '../print-diagnostics.js';

export const CONFIG_HELP = `Usage: berth config [FILE] [--env NAME] [--json]

Prints the resolved stack: every default filled in, environment overlaid,
variables interpolated. Values from env files and keys that look like
passwords, tokens or keys are shown as <redacted>.`;

export function runConfig(args: readonly string[], io: CliIo): number {
  const parsed = parseOptions('config', args, { env: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  if (!parsed.ok) return usageError(io, parsed.diagnostic);
  if (parsed.values.help === true) {
    io.stdout(CONFIG_HELP);
    return EXIT.ok;
  }
  const file = resolveStackFile(io, parsed.positionals[0]);
  const result = loadForCli(io, file, typeof parsed.values.env === 'string' ? parsed.values.env : undefined);
  if (!result.ok) {
    printDiagnostics(io, result.diagnostics, result.context.sources);
    return EXIT.badInput;
  }
  const safe = redactStack(result.stack);
  io.stdout(parsed.values.json === true ? JSON.stringify(safe, null, 2) : stringify(safe, { lineWidth: 0 }));
  return EXIT.ok;
}
