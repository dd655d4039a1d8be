// The generated files and how each is rendered; the generator script writes them and a test compares them.
import { getStackJsonSchema } from '../config/json-schema.js';
import { renderCliReference } from './render-cli-reference.js';
import { renderErrorReference } from './render-error-reference.js';
import { renderStackReference } from './render-stack-reference.js';

/** Path (relative to the repository root) → current content. */
export function renderGeneratedFiles(): Record<string, string> {
  return {
    'schemas/berth.schema.json': `${JSON.stringify(getStackJsonSchema(), null, 2)}\n`,
    'docs/reference/stack-file.md': renderStackReference(),
    'docs/reference/errors.md': renderErrorReference(),
    'docs/reference/cli.md': renderCliReference(),
  };
}
