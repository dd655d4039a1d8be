// `berth init`: writes a commented berth.yml for the project in this folder, from its compose file, Procfile
// and package.json (or a starter). It never overwrites an existing berth.yml.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BerthError, createDiagnostic } from '../../errors/diagnostic.js';
import { detectProject } from '../../init/detect-project.js';
import type { InitDraft } from '../../init/init-draft.js';
import { createFolderFiles } from '../../init/project-files.js';
import { renderBerthYml } from '../../init/render-berth-yml.js';
import { EXIT, type CliIo } from '../io.js';
import { printDiagnostics } from '../load-for-cli.js';
import { parseOptions } from '../parse-options.js';
import { usageError } from '../print-diagnostics.js';

export const INIT_HELP = `Usage: berth init

Writes berth.yml for the project in this folder. It reads compose.yml /
docker-compose.yml, a Procfile and package.json, maps what it can, and leaves a
comment on everything it could not map. With none of them, it writes a starter.
It never overwrites an existing berth.yml.

Exit codes: 0 written, 2 berth.yml exists or a source file cannot be read.`;

export function runInit(args: readonly string[], io: CliIo): number {
  const parsed = parseOptions('init', args, { help: { type: 'boolean', short: 'h' } });
  if (!parsed.ok) return usageError(io, parsed.diagnostic);
  if (parsed.values.help === true) {
    io.stdout(INIT_HELP);
    return EXIT.ok;
  }
  if (parsed.positionals.length > 0) {
    return usageError(io, createDiagnostic('BERTH_E_USAGE', { params: { reason: `unexpected argument \`${parsed.positionals[0] ?? ''}\`: berth init works on the current folder`, command: 'init' }, expected: 'no arguments', found: parsed.positionals.join(' ') }));
  }
  const target = join(io.cwd, 'berth.yml');
  const files = createFolderFiles(io.cwd);
  if (files.exists('berth.yml')) return refuseExisting(io);
  let draft: InitDraft;
  try {
    const detection = detectProject(files);
    if (!detection.ok) {
      printDiagnostics(io, [detection.diagnostic], new Map());
      return EXIT.badInput;
    }
    draft = detection.draft;
  } catch (error) {
    if (!(error instanceof BerthError)) throw error;
    printDiagnostics(io, error.diagnostics, new Map());
    return EXIT.badInput;
  }
  try {
    // `wx` fails if the file appeared meanwhile, so an existing berth.yml is never overwritten.
    writeFileSync(target, renderBerthYml(draft), { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return refuseExisting(io);
    throw error;
  }
  io.stdout(describeResult(draft));
  return EXIT.ok;
}

function refuseExisting(io: CliIo): number {
  printDiagnostics(io, [createDiagnostic('BERTH_E_INIT_EXISTS', { params: { file: 'berth.yml' }, expected: 'no berth.yml in this folder', found: 'berth.yml' })], new Map());
  return EXIT.badInput;
}

function describeResult(draft: InitDraft): string {
  const lines: string[] = [];
  if (draft.starter === true) {
    lines.push(`wrote berth.yml: a starter (${draft.sources.length === 0 ? 'no package.json, Procfile or compose file here' : `nothing to run found in ${draft.sources.join(', ')}`})`);
  } else {
    lines.push(`wrote berth.yml from ${draft.sources.join(', ')}: ${String(draft.services.length)} service${draft.services.length === 1 ? '' : 's'}`);
    const width = Math.max(...draft.services.map((s) => s.name.length));
    for (const service of draft.services) {
      const recipe = service.fields.get('recipe')?.value;
      const what = typeof recipe === 'string' ? `recipe ${recipe}` : 'command';
      lines.push(`  ${service.name.padEnd(width)}  ${what.padEnd(15)} from ${service.source}`);
    }
  }
  for (const dropped of draft.dropped) lines.push(`  not carried over: ${dropped.name} (${dropped.source}), see the comments in berth.yml`);
  const unmapped = draft.services.reduce((count, s) => count + s.notes.filter((n) => n.startsWith('not mapped')).length, 0);
  if (unmapped > 0) lines.push(`  ${String(unmapped)} setting${unmapped === 1 ? '' : 's'} could not be mapped: see the "not mapped" comments`);
  lines.push('next: berth check');
  return lines.join('\n');
}
