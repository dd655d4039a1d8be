// The request path as routing sees it. Why normalize at all: routes are security boundaries (`auth`, `rate_limit` on
// `/admin`), and an upstream that decodes `/%61dmin` or resolves `/x/../admin` would otherwise be reached through a
// less guarded route. Like nginx, the edge matches (and forwards) the normalized form.

const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

/** Decodes percent-escaped unreserved characters, merges `//`, resolves `.` and `..`; the query is left as it is.
 * Returns the same string when there is nothing to do (the common case allocates nothing). */
export function normalizeRequestPath(path: string): string {
  const queryAt = path.indexOf('?');
  const end = queryAt === -1 ? path.length : queryAt;
  if (!needsWork(path, end)) return path;
  const decoded = decodeUnreserved(path.slice(0, end));
  const segments: string[] = [];
  const parts = decoded.split('/');
  for (const [index, part] of parts.entries()) {
    if (index === 0) continue;
    const last = index === parts.length - 1;
    if (part === '..') {
      segments.pop();
      if (last) segments.push('');
    } else if (part === '.' || part === '') {
      if (last) segments.push('');
    } else segments.push(part);
  }
  return `/${segments.join('/')}${queryAt === -1 ? '' : path.slice(queryAt)}`;
}

function needsWork(path: string, end: number): boolean {
  for (let index = 0; index < end; index += 1) {
    const code = path.charCodeAt(index);
    if (code === 37 /* % */) return true;
    if (code === 47 /* / */ && index + 1 < end) {
      const next = path.charCodeAt(index + 1);
      if (next === 47 /* / */ || (next === 46 /* . */ && isDotSegment(path, index + 1, end))) return true;
    }
  }
  return false;
}

// `.` or `..` starting at `at` and ending at a `/` or the end of the path (`/.env` is a name, not a dot segment).
function isDotSegment(path: string, at: number, end: number): boolean {
  let index = at + 1;
  if (index < end && path.charCodeAt(index) === 46) index += 1;
  return index === end || path.charCodeAt(index) === 47;
}

function decodeUnreserved(pathname: string): string {
  return pathname.replace(/%([0-9A-Fa-f]{2})/g, (escape, hex: string) => {
    const char = String.fromCharCode(Number.parseInt(hex, 16));
    return UNRESERVED.test(char) ? char : escape;
  });
}
