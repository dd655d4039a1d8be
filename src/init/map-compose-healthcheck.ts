// A compose healthcheck becomes a `ready:` probe: curl/wget against localhost becomes an HTTP probe, anything
// else an exec probe; interval/timeout/retries/start_period become the probe's timing.
import { convertComposeDuration } from './convert-compose-duration.js';
import { convertComposeVariables } from './convert-compose-variables.js';
import { summarizeValue } from './describe-unmapped.js';
import type { DraftValue } from './init-draft.js';

export interface MappedProbe {
  readonly probe?: Record<string, DraftValue>;
  readonly comment?: string;
  /** What could not be mapped, for comments. */
  readonly notes: readonly string[];
}

const LOCAL_URL = /\bhttp:\/\/(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\])(?::(\d+))?(\/[^\s'"|;&)]*)?/;
const TIMING = [
  ['interval', 'interval'],
  ['timeout', 'timeout'],
  ['retries', 'failures'],
  ['start_period', 'start_timeout'],
] as const;

const isRecord = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** Maps a compose `healthcheck` to a ready probe; `port` is the service port, for HTTP probes. */
export function mapComposeHealthcheck(raw: unknown, port: number | undefined): MappedProbe {
  if (!isRecord(raw)) return { notes: ['healthcheck: not a mapping'] };
  const test = readTest(raw.test);
  if (raw.disable === true || (test !== undefined && !isCommand(test))) return { notes: ['healthcheck: disabled in compose'] };
  if (test === undefined) return { notes: [`healthcheck: test ${JSON.stringify(raw.test ?? null)} is not CMD, CMD-SHELL or a string`] };
  const notes: string[] = [];
  const text = typeof test === 'string' ? test : test.join(' ');
  const http = /\b(curl|wget)\b/.test(text) ? LOCAL_URL.exec(text) : null;
  const probe: Record<string, DraftValue> = {};
  let comment: string;
  if (http !== null) {
    const path = http[2] ?? '/';
    const target = Number(http[1] ?? '80');
    probe.http = target === port ? path : { path, port: target };
    comment = `compose healthcheck: ${text}`;
  } else {
    probe.exec = test;
    comment = 'compose healthcheck';
  }
  for (const [from, to] of TIMING) {
    if (raw[from] === undefined) continue;
    if (from === 'retries') {
      const retries = Number(raw.retries);
      if (Number.isInteger(retries) && retries >= 1 && retries <= 100) probe.failures = retries;
      else notes.push(`healthcheck retries: ${summarizeValue(raw.retries)} (Berth allows 1 to 100 failures)`);
      continue;
    }
    const duration = convertComposeDuration(raw[from]);
    if (duration === undefined) notes.push(`healthcheck ${from}: ${summarizeValue(raw[from])} is not a duration`);
    else if (!(from === 'start_period' && duration === '0ms')) probe[to] = duration;
  }
  if (raw.start_interval !== undefined) notes.push(`healthcheck start_interval: ${summarizeValue(raw.start_interval)} (Berth probes fast while starting, backing off to interval)`);
  return { probe, comment, notes };
}

function isCommand(test: string | string[] | { none: true }): test is string | string[] {
  return typeof test === 'string' || Array.isArray(test);
}

// `test` forms: ["CMD", program, ...args], ["CMD-SHELL", "command"], ["NONE"], or a string (same as CMD-SHELL).
function readTest(test: unknown): string | string[] | { none: true } | undefined {
  if (typeof test === 'string') return test.trim() === '' ? undefined : convertComposeVariables(test);
  if (!Array.isArray(test) || !test.every((t): t is string => typeof t === 'string')) return undefined;
  const [kind, ...rest] = test;
  if (kind === 'NONE') return { none: true };
  if (kind === 'CMD' && rest.length > 0) return rest.map(convertComposeVariables);
  if (kind === 'CMD-SHELL' && rest.length > 0) return convertComposeVariables(rest.join(' '));
  return undefined;
}
