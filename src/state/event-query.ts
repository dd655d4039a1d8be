// The query string of GET /v1/events/history, both ways: the CLI writes it, the API reads it.
// since: ms since the epoch or an ISO time · service · type: one or more, comma-separated · limit · after: an event id.
import { DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT, type EventFilter } from './event-store.js';

export type ParsedEventQuery = { readonly ok: true; readonly filter: EventFilter } | { readonly ok: false; readonly message: string };

function wholeNumber(text: string): number | undefined {
  return /^\d{1,15}$/.test(text) ? Number(text) : undefined;
}

/** Reads a filter from query parameters; unknown parameters are ignored. */
export function parseEventQuery(params: URLSearchParams): ParsedEventQuery {
  const filter: { since?: number; afterId?: number; service?: string; types?: string[]; limit: number } = { limit: DEFAULT_LIST_LIMIT };
  const since = params.get('since');
  if (since !== null && since !== '') {
    const time = wholeNumber(since) ?? Date.parse(since);
    if (Number.isNaN(time)) return { ok: false, message: `since must be milliseconds since the epoch or an ISO time, not ${JSON.stringify(since)}` };
    filter.since = time;
  }
  const after = params.get('after');
  if (after !== null && after !== '') {
    const id = wholeNumber(after);
    if (id === undefined) return { ok: false, message: `after must be an event id, not ${JSON.stringify(after)}` };
    filter.afterId = id;
  }
  const service = params.get('service');
  if (service !== null && service !== '') filter.service = service;
  const types = params.getAll('type').flatMap((t) => t.split(',')).map((t) => t.trim()).filter((t) => t !== '');
  if (types.length > 0) filter.types = types;
  const limit = params.get('limit');
  if (limit !== null && limit !== '') {
    const n = wholeNumber(limit);
    if (n === undefined || n > MAX_LIST_LIMIT) return { ok: false, message: `limit must be a whole number up to ${String(MAX_LIST_LIMIT)}, not ${JSON.stringify(limit)}` };
    filter.limit = n;
  }
  return { ok: true, filter };
}

/** Writes a filter as a query string (with the leading `?` when not empty). */
export function formatEventQuery(filter: EventFilter): string {
  const params = new URLSearchParams();
  if (filter.since !== undefined) params.set('since', String(Math.floor(filter.since)));
  if (filter.afterId !== undefined) params.set('after', String(filter.afterId));
  if (filter.service !== undefined) params.set('service', filter.service);
  if (filter.types !== undefined && filter.types.length > 0) params.set('type', filter.types.join(','));
  if (filter.limit !== undefined) params.set('limit', String(filter.limit));
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}
