// The edge's own answers (404, 413, 429, 502, 503, 504...): short plain text that names no host, port, service
// or software version. Bodies are built once.
import type { ServerResponse } from 'node:http';

const bodies = new Map<number, Buffer>();

function bodyFor(status: number, text: string | undefined): Buffer {
  if (text !== undefined) return Buffer.from(`${text}\n`);
  let body = bodies.get(status);
  if (body === undefined) {
    body = Buffer.from(`${reasonPhrase(status)}\n`);
    bodies.set(status, body);
  }
  return body;
}

export function reasonPhrase(status: number): string {
  switch (status) {
    case 400: return 'Bad Request';
    case 403: return 'Forbidden';
    case 404: return 'Not Found';
    case 413: return 'Content Too Large';
    case 429: return 'Too Many Requests';
    case 500: return 'Internal Server Error';
    case 502: return 'Bad Gateway';
    case 503: return 'Service Unavailable';
    case 504: return 'Gateway Timeout';
    default: return 'Error';
  }
}

/** Answers with a plain-text body. `close` asks Node to close the connection after it (used when the request body
 * was not read, so the connection cannot carry another request). `extra` is a flat [name, value, ...] list. */
export function sendPlainResponse(res: ServerResponse, status: number, options?: { readonly close?: boolean; readonly text?: string; readonly extra?: readonly string[] }): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  const body = bodyFor(status, options?.text);
  const headers = ['content-type', 'text/plain; charset=utf-8', 'content-length', String(body.length), 'cache-control', 'no-store'];
  if (options?.close === true) headers.push('connection', 'close');
  if (options?.extra !== undefined) headers.push(...options.extra);
  res.writeHead(status, headers);
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
