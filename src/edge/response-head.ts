// The head of an upstream's HTTP/1.x response (status line and header fields, without the final empty line), parsed
// strictly: null for anything a lenient parser would have to guess at (see response-parser.ts).

export interface ResponseHead {
  readonly status: number;
  /** Flat [name, value, ...] list, names lower case, in the upstream's order (hop-by-hop ones included). */
  readonly headers: string[];
  /** The body's length from Content-Length, or -1 when absent. */
  readonly contentLength: number;
  readonly chunked: boolean;
  /** Whether the connection may carry another request after this response (HTTP/1.1 without Connection: close). */
  readonly keepAlive: boolean;
}

const statusLine = /^HTTP\/1\.([01]) ([1-9]\d\d)(?: [\t\x20-\x7e\x80-\xff]*)?$/;
const fieldName = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Characters no field value (or trailer line) may hold: controls other than HTAB, including bare CR and LF. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what this refuses
export const badValue = /[\x00-\x08\x0a-\x1f\x7f]/;
const digits = /^\d{1,15}$/;

function trimOws(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && (value.charCodeAt(start) === 32 || value.charCodeAt(start) === 9)) start++;
  while (end > start && (value.charCodeAt(end - 1) === 32 || value.charCodeAt(end - 1) === 9)) end--;
  return start === 0 && end === value.length ? value : value.slice(start, end);
}

/** Whether a Connection value lists `close` (case-insensitive, comma-separated). */
function listsClose(value: string): boolean {
  const lower = value.toLowerCase();
  if (lower === 'keep-alive') return false;
  if (lower === 'close') return true;
  return lower.split(',').some((token) => trimOws(token) === 'close');
}

/** Parses `text` (latin1, lines separated by CRLF). */
export function parseResponseHead(text: string): ResponseHead | null {
  const lines = text.split('\r\n');
  const first = statusLine.exec(lines[0] as string);
  if (first === null) return null;
  const http11 = first[1] === '1';
  const status = Number(first[2]);
  const headers: string[] = [];
  let contentLength = -1;
  let chunked = false;
  let transferEncoding = false;
  let keepAlive = http11;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    const colon = line.indexOf(':');
    // No colon, an empty name, obs-fold (a line starting with whitespace) or whitespace before the colon: the name
    // test refuses them all.
    if (colon <= 0) return null;
    const rawName = line.slice(0, colon);
    if (!fieldName.test(rawName)) return null;
    const value = trimOws(line.slice(colon + 1));
    if (badValue.test(value)) return null; // bare CR or LF, NUL and other controls
    const name = rawName.toLowerCase();
    headers.push(name, value);
    switch (name) {
      case 'content-length': {
        if (!digits.test(value)) return null;
        const length = Number(value);
        if (contentLength >= 0 && contentLength !== length) return null;
        contentLength = length;
        break;
      }
      case 'transfer-encoding':
        // Only a lone `chunked` is understood; gzip, chunked and the like are refused rather than guessed at.
        if (transferEncoding || value.toLowerCase() !== 'chunked') return null;
        transferEncoding = true;
        chunked = true;
        break;
      case 'connection':
        // HTTP/1.0 connections are never reused, keep-alive or not.
        if (listsClose(value)) keepAlive = false;
        break;
    }
  }
  if (transferEncoding && contentLength >= 0) return null; // the classic desync: refuse instead of choosing
  return { status, headers, contentLength, chunked, keepAlive };
}
