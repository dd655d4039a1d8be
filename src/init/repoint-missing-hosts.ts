// Env values were pointed at `${services.NAME.host}` while mapping; when NAME did not make it into berth.yml
// (an image Berth cannot run), the reference would not load. Natively that program is on 127.0.0.1 too.
import type { DraftValue, InitDraft } from './init-draft.js';

const HOST_REFERENCE = /\$\{services\.([a-z][a-z0-9_-]*)\.host\}/g;

/** Replaces host references to services that are not in `draft` with 127.0.0.1 (mutates `draft`). */
export function repointMissingHosts(draft: InitDraft): void {
  const names = new Set(draft.services.map((s) => s.name));
  for (const service of draft.services) {
    const field = service.fields.get('env');
    if (field === undefined || typeof field.value !== 'object' || Array.isArray(field.value)) continue;
    const env: Record<string, DraftValue> = { ...(field.value as Record<string, DraftValue>) };
    for (const [key, value] of Object.entries(env)) {
      if (typeof value !== 'string') continue;
      const missing = [...value.matchAll(HOST_REFERENCE)].map((m) => m[1] ?? '').filter((n) => !names.has(n));
      if (missing.length === 0) continue;
      env[key] = value.replace(HOST_REFERENCE, (whole, name: string) => (names.has(name) ? whole : '127.0.0.1'));
      field.entryComments = { ...field.entryComments, [key]: `was the compose service ${missing.join(', ')}, which is not in berth.yml: run it on this server` };
    }
    field.value = env;
  }
}
