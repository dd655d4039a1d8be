// How `berth up -d` hands the daemon the stack it has already loaded and validated: JSON on the daemon's stdin.
// Why: the daemon then never imports the stack loader (zod schemas, two YAML parsers: ≈ 15 MB resident and
// ≈ 250 ms of start-up), and loads nothing twice. See docs/decisions/0010-daemon-startup.md.
import type { ResolvedStack } from '../config/resolved-stack.js';
import { getSecrets, registerSecrets } from '../config/secrets.js';
import { deepFreeze } from '../shared/deep-freeze.js';

/** Marks the text as a handed-over stack, so nothing else on stdin is taken for one. */
const FORMAT = 'berth-resolved-stack/1';

/**
 * The text the CLI writes. ResolvedStack is plain data (strings, numbers, booleans, null, arrays, objects); which of
 * its values are secret is kept beside it (config/secrets.ts keeps that off the stack), and goes along so the
 * daemon blanks the same values in state.db.
 */
export function encodeStack(stack: ResolvedStack): string {
  const secrets = getSecrets(stack);
  return JSON.stringify({ format: FORMAT, stack, secrets: { values: [...secrets.values], paths: [...secrets.paths] } });
}

export type DecodeResult = { readonly ok: true; readonly stack: ResolvedStack } | { readonly ok: false; readonly reason: string };

/** Reads the text back, deep-frozen like a loaded stack; `expectedFile` is the daemon's --file. */
export function decodeStack(text: string, expectedFile: string): DecodeResult {
  if (text.trim() === '') return { ok: false, reason: 'no stack was handed over (the command that started the daemon gave up)' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `the stack handed over is not JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  const envelope = value as { format?: unknown; stack?: { name?: unknown; file?: unknown; services?: unknown }; secrets?: { values?: unknown; paths?: unknown } } | null;
  if (envelope === null || typeof envelope !== 'object' || envelope.format !== FORMAT) return { ok: false, reason: `the stack handed over is not in the ${FORMAT} format` };
  const { stack } = envelope;
  if (stack === undefined || typeof stack.name !== 'string' || typeof stack.services !== 'object' || stack.services === null) return { ok: false, reason: 'the stack handed over has no name or services' };
  if (stack.file !== expectedFile) return { ok: false, reason: `the stack handed over is ${String(stack.file)}, not ${expectedFile}` };
  const strings = (list: unknown): string[] => (Array.isArray(list) ? list.filter((v): v is string => typeof v === 'string') : []);
  registerSecrets(stack, { values: new Set(strings(envelope.secrets?.values)), paths: new Set(strings(envelope.secrets?.paths)) });
  return { ok: true, stack: deepFreeze(stack) as unknown as ResolvedStack };
}
