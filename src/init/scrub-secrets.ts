// A last pass before rendering: any literal credential left in a value (a password in a command line, a
// token in a probe) is replaced by a `${VAR}` reference, so berth.yml never holds a secret from a source file.
import type { DraftField, DraftService, DraftValue, InitDraft } from './init-draft.js';
import { findSecretWords, redactText } from './secret-values.js';

/** Replaces literal credentials in every field of every service of `draft` (mutated). */
export function scrubSecrets(draft: InitDraft): void {
  for (const service of draft.services) {
    let count = 0;
    const nameVariable = (): string => {
      count += 1;
      return `${service.name.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}_SECRET${count === 1 ? '' : `_${String(count)}`}`;
    };
    for (const [key, field] of service.fields) scrubField(service, key, field, nameVariable);
    redactComments(service);
  }
  draft.notes.splice(0, draft.notes.length, ...draft.notes.map(redactText));
}

// Comments quote their sources (a healthcheck, an unmapped key); a credential in them is blanked, not moved.
function redactComments(service: DraftService): void {
  service.notes.splice(0, service.notes.length, ...service.notes.map(redactText));
  for (const field of service.fields.values()) {
    if (field.comment !== undefined) field.comment = redactText(field.comment);
    if (field.before !== undefined) field.before = field.before.map(redactText);
    if (field.entryComments !== undefined) field.entryComments = Object.fromEntries(Object.entries(field.entryComments).map(([k, c]) => [k, redactText(c)]));
  }
}

function scrubField(service: DraftService, key: string, field: DraftField, nameVariable: () => string): void {
  const replaced = new Map<string, string>();
  const scrub = (value: DraftValue): DraftValue => {
    if (typeof value === 'string') {
      let text = value;
      for (const word of findSecretWords(value)) {
        const variable = replaced.get(word) ?? nameVariable();
        replaced.set(word, variable);
        text = text.split(word).join(`\${${variable}}`);
      }
      return text;
    }
    if (Array.isArray(value)) return (value as readonly DraftValue[]).map(scrub);
    if (typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrub(v)]));
    return value;
  };
  const value = scrub(field.value);
  if (replaced.size === 0) return;
  field.value = value;
  const names = [...replaced.values()];
  const note = `not copied: ${service.source} has a credential here literally; put ${names.map((n) => `${n}=...`).join(', ')} in .env`;
  if (key === 'env' && typeof value === 'object' && !Array.isArray(value)) {
    // Env entries carry their own comments, so the note sits beside the variable that held the secret.
    for (const [name, entry] of Object.entries(value)) {
      if (typeof entry === 'string' && names.some((n) => entry.includes(`\${${n}}`))) field.entryComments = { ...field.entryComments, [name]: note };
    }
    return;
  }
  field.comment = field.comment === undefined ? note : `${field.comment}; ${note}`;
}
