// `berth startup`: install a systemd unit that runs the stack's daemon at boot.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { binEntry } from '../../shared/entry-points.js';
import { renderSystemdUnit, UNIT_MARKER, unitName } from '../../daemon/render-systemd-unit.js';
import { EXIT, type CliIo } from '../io.js';
import { loadForCli, printDiagnostics, resolveStackFile } from '../load-for-cli.js';
import { parseOptions } from '../parse-options.js';
import { usageError } from '../print-diagnostics.js';

export const STARTUP_HELP = `Usage: berth startup [--file FILE] [--env NAME] [--user USER] [--output PATH] [--print]

Writes a systemd unit that runs this stack's daemon at boot (default
/etc/systemd/system/berth-NAME.service) and prints how to enable it. It replaces only a unit that
berth wrote. --print shows the unit without writing it.`;

export function runStartup(args: readonly string[], io: CliIo): number {
  const parsed = parseOptions('startup', args, { file: { type: 'string', short: 'f' }, env: { type: 'string' }, user: { type: 'string' }, output: { type: 'string' }, print: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  if (!parsed.ok) return usageError(io, parsed.diagnostic);
  if (parsed.values.help === true) {
    io.stdout(STARTUP_HELP);
    return EXIT.ok;
  }
  const file = resolveStackFile(io, typeof parsed.values.file === 'string' ? parsed.values.file : undefined);
  const environment = typeof parsed.values.env === 'string' ? parsed.values.env : undefined;
  const loaded = loadForCli(io, file, environment);
  if (!loaded.ok) {
    printDiagnostics(io, loaded.diagnostics, loaded.context.sources);
    return EXIT.badInput;
  }
  const bin = binEntry();
  const unit = renderSystemdUnit({ stackName: loaded.stack.name, stackFile: file, workingDirectory: loaded.stack.root, node: process.execPath, bin, environment, user: typeof parsed.values.user === 'string' ? parsed.values.user : undefined });
  if (parsed.values.print === true) {
    io.stdout(unit);
    return EXIT.ok;
  }
  const name = unitName(loaded.stack.name);
  const target = typeof parsed.values.output === 'string' ? parsed.values.output : join('/etc/systemd/system', name);
  if (existsSync(target) && !readFileSync(target, 'utf8').startsWith(UNIT_MARKER)) {
    io.stderr(`berth startup: ${target} exists and was not written by berth; not touching it (use --output to write elsewhere)`);
    return EXIT.failed;
  }
  try {
    writeFileSync(target, unit, { mode: 0o644 });
  } catch (error) {
    io.stderr(`berth startup: cannot write ${target}: ${error instanceof Error ? error.message : String(error)}\nrun it as root, or use --print and install the unit yourself`);
    return EXIT.failed;
  }
  io.stdout(`wrote ${target}\nenable it with:\n  systemctl daemon-reload && systemctl enable --now ${name}`);
  return EXIT.ok;
}
