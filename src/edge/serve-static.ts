// The edge serving a `static:` folder itself: GET and HEAD, content types, weak ETag and Last-Modified with 304s,
// precompressed `.br`/`.gz` siblings, index.html for folders and the SPA fallback. Files are streamed, never read
// whole; every refusal is a plain body that names no file-system path.
import { open, type FileHandle } from 'node:fs/promises';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { contentTypeFor } from './content-types.js';
import { decodeStaticPath, findSibling, findStaticFile, type StaticFile } from './resolve-static-file.js';
import { acceptsEncoding, isNotModified, makeWeakEtag } from './static-validators.js';

export interface StaticTarget {
  readonly dir: string;
  /** File (relative to `dir`) answered for page paths that match no file: `index.html` for a single-page app. */
  readonly fallback: string | null;
}

// Preference order when the client takes both.
const PRECOMPRESSED = [
  { coding: 'br', suffix: '.br' },
  { coding: 'gzip', suffix: '.gz' },
] as const;

/** Answers a request from a static folder; `forwardPath` is the matched route's path (prefix already stripped).
 * Never rejects: failures become a plain 4xx/5xx, or a destroyed response once the body has started. */
export async function serveStatic(request: IncomingMessage, response: ServerResponse, target: StaticTarget, forwardPath: string): Promise<void> {
  try {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      sendPlain(request, response, 405, 'Method Not Allowed', { allow: 'GET, HEAD' });
      return;
    }
    const decoded = decodeStaticPath(forwardPath);
    if (decoded === null) {
      sendPlain(request, response, 400, 'Bad Request');
      return;
    }
    const file = (await findStaticFile(target.dir, decoded)) ?? (target.fallback !== null && isPagePath(decoded) ? await findStaticFile(target.dir, `/${target.fallback}`) : null);
    if (file === null) {
      sendPlain(request, response, 404, 'Not Found');
      return;
    }
    await sendFile(request, response, file);
  } catch {
    if (!response.headersSent) sendPlain(request, response, 500, 'Internal Server Error');
    else response.destroy();
  }
}

// The SPA fallback answers paths that look like pages (`/users/42`), not missing assets (`/assets/app.3f2a.js`): a
// stale bundle name must get a 404, not index.html with 200, which browsers would run as script and caches would keep.
function isPagePath(decodedPath: string): boolean {
  const lastSegment = decodedPath.slice(decodedPath.lastIndexOf('/') + 1);
  return !lastSegment.includes('.');
}

async function sendFile(request: IncomingMessage, response: ServerResponse, file: StaticFile): Promise<void> {
  const variant = await pickVariant(request.headers['accept-encoding'], file);
  let handle: FileHandle;
  try {
    handle = await open(variant.path, 'r');
  } catch {
    sendPlain(request, response, 404, 'Not Found');
    return;
  }
  let streaming = false;
  try {
    // Why fstat on the open handle: the headers then describe exactly the bytes streamed, even if the file is replaced.
    const info = await handle.stat();
    const contentType = contentTypeFor(file.path);
    const etag = makeWeakEtag(info.size, info.mtimeMs);
    const headers: OutgoingHttpHeaders = {
      etag,
      'last-modified': info.mtime.toUTCString(),
      vary: 'Accept-Encoding',
      'x-content-type-options': 'nosniff',
    };
    // HTML names the hashed assets of the current build, so it is revalidated every time; assets keep browser defaults.
    if (contentType.startsWith('text/html')) headers['cache-control'] = 'no-cache';
    if (isNotModified(request.headers, etag, info.mtimeMs)) {
      response.writeHead(304, headers).end();
      return;
    }
    headers['content-type'] = contentType;
    headers['content-length'] = info.size;
    if (variant.coding !== null) headers['content-encoding'] = variant.coding;
    response.writeHead(200, headers);
    if (request.method === 'HEAD') {
      response.end();
      return;
    }
    streaming = true;
    // The stream owns (and closes) the handle from here. A client that goes away rejects the pipeline; nothing to add.
    await pipeline(handle.createReadStream(), response).catch(() => {
      response.destroy();
    });
  } finally {
    if (!streaming) await handle.close();
  }
}

async function pickVariant(acceptEncoding: string | undefined, file: StaticFile): Promise<{ path: string; coding: string | null }> {
  for (const { coding, suffix } of PRECOMPRESSED) {
    if (!acceptsEncoding(acceptEncoding, coding)) continue;
    const sibling = await findSibling(file, suffix);
    if (sibling !== null) return { path: sibling, coding };
  }
  return { path: file.path, coding: null };
}

function sendPlain(request: IncomingMessage, response: ServerResponse, status: number, text: string, extra: OutgoingHttpHeaders = {}): void {
  const body = `${text}\n`;
  response.writeHead(status, { ...extra, 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body), 'x-content-type-options': 'nosniff' });
  response.end(request.method === 'HEAD' ? undefined : body);
}
