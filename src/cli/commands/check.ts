// `berth check [FILE] [--env E] [--json] [--strict]`: validate and lint the stack file (and every environment).
import { readdirSync } from 'node:fs';
import { basename, dirname, relative } from 'node:path';
import { listEnvironments } from '../../config/overlay-environment.js';
import type { Diagnostic } from '../../errors/diagnostic.js';
import { sortDiagnostics } from '../../errors/diagnostic.js';
import { EXIT, type CliIo } from '../io.js';
import { loadForCli, printDiagnostics, resolveStackFile } from '../load-for-cli.js';
import { parseOptions } from '../parse-options.js';
import { usageError } from '../print-diagnostics.js';

export const CHECK_HELP = `Usage: berth check [FILE] [--env NAME] [--json] [--strict]

Validates berth.yml and lints it for wiring mistakes. Without --env it checks the
base file and every environment it declares.

  --env NAME   check only this environment overlay
  --json       print findings as JSON on stdout
  --strict     exit 1 when there are warnings
Exit codes: 0 clean, 1 warnings under --strict, 2 errors.`;

/** Environments to check: the one asked for, else the base plus every declared one. */
function environmentsToCheck(file: string, raw: unknown, asked: string | undefined): (string | undefined)[] {
  if (asked !== undefined) return [asked];
  const stem = basename(file).replace(/\.ya?ml$/, '');
  let overlays: string[] = [];
  try {
    overlays = readdirSync(dirname(file)).flatMap((name) => {
      const match = new RegExp(`^${stem.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.([a-z][a-z0-9_-]*)\\.ya?ml$`).exec(name);
      return match?.[1] === undefined ? [] : [match[1]];
    });
  } catch {
    overlays = [];
  }
  return [undefined, ...new Set([...listEnvironments(raw), ...overlays])];
}

export function runCheck(args: readonly string[], io: CliIo): number {
  const parsed = parseOptions('check', args, { env: { type: 'string' }, json: { type: 'boolean' }, strict: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  if (!parsed.ok) return usageError(io, parsed.diagnostic);
  if (parsed.values.help === true) {
    io.stdout(CHECK_HELP);
    return EXIT.ok;
  }
  const file = resolveStackFile(io, parsed.positionals[0]);
  const asked = typeof parsed.values.env === 'string' ? parsed.values.env : undefined;
  const base = loadForCli(io, file, asked);
  const sources = new Map(base.context.sources);
  const found = new Map<string, Diagnostic>();
  const add = (list: readonly Diagnostic[]) => {
    for (const d of list) found.set(`${d.code}|${d.location?.file ?? ''}:${String(d.location?.line)}:${String(d.location?.column)}|${d.message}`, d);
  };
  add(base.ok ? base.warnings : base.diagnostics);
  let count = base.ok ? Object.keys(base.stack.services).length : 0;
  for (const environment of environmentsToCheck(file, base.context.raw, asked).slice(asked === undefined ? 1 : 1)) {
    const result = loadForCli(io, file, environment);
    for (const [f, t] of result.context.sources) sources.set(f, t);
    add(result.ok ? result.warnings : result.diagnostics);
  }
  const diagnostics = sortDiagnostics([...found.values()]);
  const errors = diagnostics.filter((d) => d.severity === 'error');
  const warnings = diagnostics.filter((d) => d.severity === 'warning');
  if (parsed.values.json === true) {
    io.stdout(JSON.stringify({ file, ok: errors.length === 0, errors, warnings }, null, 2));
  } else if (diagnostics.length > 0) {
    printDiagnostics(io, diagnostics, sources);
  }
  if (parsed.values.json !== true && errors.length === 0) {
    count = base.ok ? Object.keys(base.stack.services).length : count;
    const jobs = base.ok ? Object.keys(base.stack.jobs).length : 0;
    const what = `${String(count)} service${count === 1 ? '' : 's'}${jobs === 0 ? '' : `, ${String(jobs)} job${jobs === 1 ? '' : 's'}`}`;
    io.stdout(`${relative(io.cwd, file) || file}: ${what}, ${warnings.length === 0 ? 'no problems found' : `${String(warnings.length)} warning${warnings.length === 1 ? '' : 's'}`}`);
  }
  if (errors.length > 0) return EXIT.badInput;
  return warnings.length > 0 && parsed.values.strict === true ? EXIT.failed : EXIT.ok;
}

// Re-exported for the commands that import it from here.
export { usageError } from '../print-diagnostics.js';
