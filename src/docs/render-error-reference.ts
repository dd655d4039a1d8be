// Renders docs/reference/errors.md from the error catalog; a test keeps the file in step with the code.
import { errorCatalog, type CatalogEntry } from '../errors/catalog.js';

// Typed by the catalog's areas, so a new area cannot be left out of the reference.
const AREAS: Readonly<Record<CatalogEntry['area'], string>> = { file: 'Reading files', schema: 'Schema', interpolation: 'Interpolation', lint: 'Lint (berth check)', cli: 'Command line', init: 'berth init', recipe: 'Data services (recipes)', edge: 'Edge', backup: 'Backups', deploy: 'Deploys', alert: 'Alerts', job: 'Jobs', api: 'Control API', internal: 'Internal' };

const cell = (text: string): string => text.replace(/\|/g, '\\|');

/** The Markdown of docs/reference/errors.md. */
export function renderErrorReference(): string {
  const lines = [
    '# Error reference',
    '',
    '<!-- Generated from src/errors/catalog.ts by `npm run generate`; a test fails when this file is stale. Do not edit by hand. -->',
    '',
    'Every problem Berth reports has a stable code. `BERTH_E_…` codes are errors (exit code 2 for bad input); `BERTH_W_…` codes are warnings (exit code 1 only under `berth check --strict`).',
    'Each report names the place (`file:line:col`, or the service), the field path, what was expected, what was found, and a hint. `{placeholders}` are filled in from the case at hand.',
    '',
  ];
  for (const [area, title] of Object.entries(AREAS)) {
    const entries = Object.entries(errorCatalog).filter(([, entry]) => entry.area === area);
    if (entries.length === 0) continue;
    lines.push(`## ${title}`, '', '| code | severity | message | hint |', '| --- | --- | --- | --- |');
    for (const [code, entry] of entries) lines.push(`| \`${code}\` | ${entry.severity} | ${cell(entry.message)} | ${cell(entry.hint)} |`);
    lines.push('');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
