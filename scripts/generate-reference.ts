// Writes the generated JSON Schema and reference docs. Run: npm run generate
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { renderGeneratedFiles } from '../src/docs/generated-files.js';

const root = join(import.meta.dirname, '..');
for (const [path, content] of Object.entries(renderGeneratedFiles())) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content);
  console.log(`wrote ${path}`);
}
