// Plain HTTP's answer when the edge serves HTTPS and redirects: 308 (method and body kept) to the same host and
// request target over https://, on the HTTPS port (left out when it is 443).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendPlainResponse } from './plain-response.js';
import { hasRequestBody } from './request-body.js';
import { readRequestHost } from './request-target.js';

const hostName = /^[a-z0-9_](?:[a-z0-9_.-]*[a-z0-9_])?\.?$/;
const ipv6 = /^[0-9a-f:.]+$/;

/** Bytes a Location header may not carry as they are (controls, space, non-ASCII), percent-encoded. */
function encodeTarget(target: string): string {
  // eslint-disable-next-line no-control-regex -- exactly the characters to escape
  return target.replace(/[\u0000-\u0020\u007f-\uffff]/g, (char) => {
    const code = char.charCodeAt(0);
    // Node reads the request target as latin1: one character per byte.
    return code < 256 ? `%${code.toString(16).toUpperCase().padStart(2, '0')}` : encodeURIComponent(char);
  });
}

/** `https://<host>[:port]<target>` for a Host header and an origin-form target, or null when either cannot be
 * redirected (no or malformed host, not origin-form). */
export function httpsLocation(hostHeader: string | undefined, target: string, httpsPort: number): string | null {
  if (target.charCodeAt(0) !== 47 /* / */) return null;
  const host = readRequestHost(hostHeader);
  let authority: string;
  if (host.includes(':')) {
    if (!ipv6.test(host)) return null;
    authority = `[${host}]`;
  } else {
    if (!hostName.test(host)) return null;
    authority = host;
  }
  const port = httpsPort === 443 ? '' : `:${String(httpsPort)}`;
  return `https://${authority}${port}${encodeTarget(target)}`;
}

/** Answers a plain HTTP request with the redirect (400 when it has no usable host). */
export function redirectToHttps(req: IncomingMessage, res: ServerResponse, httpsPort: number): void {
  const location = httpsLocation(req.headers.host, req.url ?? '', httpsPort);
  const close = hasRequestBody(req);
  if (location === null) {
    sendPlainResponse(res, 400, { close });
    return;
  }
  sendPlainResponse(res, 308, { close, text: 'Permanent Redirect', extra: ['location', location] });
}

/** The redirect as a raw response on an Upgrade request's socket, or null when there is no usable host. */
export function upgradeRedirectHead(req: IncomingMessage, httpsPort: number): string | null {
  const location = httpsLocation(req.headers.host, req.url ?? '', httpsPort);
  return location === null ? null : `Location: ${location}\r\n`;
}
