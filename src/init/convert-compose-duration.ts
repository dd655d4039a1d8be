// Compose durations (Go syntax: `1m30s`, `500ms`, `1.5s`) into Berth durations (`90s`, `500ms`).
import { formatDuration } from '../shared/duration.js';

const UNIT_MS: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const WHOLE = /^((\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d))+$/;
const PART = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d)/g;

/** The Berth form of a compose duration, or undefined when it is not one. A bare number counts as seconds. */
export function convertComposeDuration(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return formatDuration(Math.round(value * 1000));
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (!WHOLE.test(text)) return undefined;
  let ms = 0;
  for (const match of text.matchAll(PART)) ms += Number(match[1]) * (UNIT_MS[match[2] ?? ''] ?? 0);
  const rounded = Math.round(ms);
  return formatDuration(ms > 0 && rounded === 0 ? 1 : rounded);
}
