// What a detector returns: a draft, or the one diagnostic that explains why its source file could not be read.
import { createDiagnostic, type Diagnostic } from '../errors/diagnostic.js';
import type { InitDraft } from './init-draft.js';

export type DetectResult = { readonly ok: true; readonly draft: InitDraft } | { readonly ok: false; readonly diagnostic: Diagnostic };

/** A failed detection: BERTH_E_INIT_SOURCE for `file` with `reason`. */
export function failSource(file: string, reason: string): DetectResult {
  return { ok: false, diagnostic: createDiagnostic('BERTH_E_INIT_SOURCE', { params: { file, reason }, found: reason }) };
}
