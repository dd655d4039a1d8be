// HTTP-01 answers on the edge's HTTP listener: `GET /.well-known/acme-challenge/TOKEN`, whatever the Host, answers
// the token's key authorization as text/plain, before maintenance, routing, the HTTPS redirect and rate limits.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { hasRequestBody } from './request-body.js';

export const acmeChallengePrefix = '/.well-known/acme-challenge/';

/** The token asked for when `url` is under the challenge path (query ignored), else null. */
export function readChallengeToken(url: string): string | null {
  if (!url.startsWith(acmeChallengePrefix)) return null;
  const query = url.indexOf('?', acmeChallengePrefix.length);
  return url.slice(acmeChallengePrefix.length, query === -1 ? undefined : query);
}

/** Answers `req` when it is a GET or HEAD under the challenge path and the edge owns that path (`own`: it has
 * answers or serves HTTPS; otherwise the path stays the routes'); returns whether it did. Unknown tokens: 404. */
export function answerAcmeChallenge(tokens: ReadonlyMap<string, string>, own: boolean, req: IncomingMessage, res: ServerResponse): boolean {
  if (!own && tokens.size === 0) return false;
  const method = req.method;
  if (method !== 'GET' && method !== 'HEAD') return false;
  const token = readChallengeToken(req.url ?? '');
  if (token === null) return false;
  const answer = tokens.get(token);
  const body = Buffer.from(answer ?? 'Not Found\n');
  const headers = ['content-type', 'text/plain', 'content-length', String(body.length), 'cache-control', 'no-store'];
  // An unread request body: the connection cannot carry another request.
  if (hasRequestBody(req)) headers.push('connection', 'close');
  res.writeHead(answer === undefined ? 404 : 200, headers);
  res.end(method === 'HEAD' ? undefined : body);
  return true;
}
