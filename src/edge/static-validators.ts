// Cache validators and content negotiation for static files: weak ETags, conditional requests, Accept-Encoding.
import type { IncomingHttpHeaders } from 'node:http';

/** A weak ETag from a file's size and modification time (what nginx and most static servers use). */
export function makeWeakEtag(size: number, mtimeMs: number): string {
  return `W/"${size.toString(16)}-${Math.floor(mtimeMs).toString(16)}"`;
}

/** Whether a GET/HEAD may be answered with 304. If-None-Match wins over If-Modified-Since (RFC 9110 §13.2.2). */
export function isNotModified(headers: IncomingHttpHeaders, etag: string, mtimeMs: number): boolean {
  const ifNoneMatch = headers['if-none-match'];
  if (ifNoneMatch !== undefined) return matchesAnyEtag(ifNoneMatch, etag);
  const ifModifiedSince = headers['if-modified-since'];
  if (ifModifiedSince === undefined) return false;
  const since = Date.parse(ifModifiedSince);
  // HTTP dates have whole seconds; compare the file's time at that precision or a fresh copy never validates.
  return !Number.isNaN(since) && Math.floor(mtimeMs / 1000) * 1000 <= since;
}

// Weak comparison: `W/"x"` and `"x"` are the same validator for If-None-Match.
function matchesAnyEtag(list: string, etag: string): boolean {
  const wanted = opaque(etag);
  for (const candidate of list.split(',')) {
    const trimmed = candidate.trim();
    if (trimmed === '*' || opaque(trimmed) === wanted) return true;
  }
  return false;
}

function opaque(tag: string): string {
  return tag.startsWith('W/') ? tag.slice(2) : tag;
}

/** Whether an Accept-Encoding header allows `coding` (by name or `*`, with a q-value above 0). */
export function acceptsEncoding(header: string | undefined, coding: string): boolean {
  if (header === undefined) return false;
  let wildcard: number | null = null;
  for (const entry of header.split(',')) {
    const [rawName = '', ...params] = entry.split(';');
    const name = rawName.trim().toLowerCase();
    let quality = 1;
    for (const param of params) {
      const [key = '', value = ''] = param.split('=');
      if (key.trim().toLowerCase() === 'q') quality = Number.parseFloat(value.trim());
    }
    const acceptable = quality > 0;
    if (name === coding) return acceptable;
    if (name === '*') wildcard = acceptable ? 1 : 0;
  }
  return wildcard === 1;
}
