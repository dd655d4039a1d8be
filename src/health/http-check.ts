// HTTP probe: GET http://127.0.0.1:<port><path> on a fresh connection; passes on the expected status (and body).
import { request, type IncomingMessage } from 'node:http';
import { describeError, excerptText, makeResult, redactOutput } from './probe-output.js';
import type { ProbeCheck, ProbeResult } from './probe-types.js';

/** How much of the body a `body` regex sees, and how much is read for the output excerpt. */
export const HTTP_BODY_LIMIT = 64 * 1024;

/** Passes when the status is in the list (any 2xx when the list is empty) and the body matches. */
export const checkHttp: ProbeCheck = (probe, target, signal) => {
  const startedAt = Date.now();
  const fail = (output: string): Promise<ProbeResult> => Promise.resolve(makeResult(false, output, startedAt));
  const port = probe.http?.port ?? target.port;
  if (probe.http === null) return fail('not an http probe');
  if (port === null) return fail('no port to probe: the service has no port and the probe names none');
  let bodyPattern: RegExp | null;
  try {
    bodyPattern = probe.http.body === null ? null : new RegExp(probe.http.body);
  } catch (error) {
    return fail(`bad body pattern: ${describeError(error)}`);
  }
  const { path, status } = probe.http;
  const statusPasses = (code: number): boolean => (status.length === 0 ? code >= 200 && code < 300 : status.includes(code));
  return new Promise<ProbeResult>((resolve) => {
    let done = false;
    const finish = (ok: boolean, output: string): void => {
      if (done) return;
      done = true;
      signal.removeEventListener('abort', onAbort);
      req.destroy();
      resolve(makeResult(ok, redactOutput(output, target.env), startedAt));
    };
    let answered: number | null = null;
    const onAbort = (): void => {
      const reason = signal.reason instanceof Error ? signal.reason.message : 'aborted';
      finish(false, answered === null ? reason : `${reason} reading the body of HTTP ${String(answered)}`);
    };
    // Why agent: false: a pooled keep-alive socket to a dead server can look alive; a new connect cannot.
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', agent: false, headers: { 'user-agent': 'berth-probe', connection: 'close' } });
    req.on('error', (error) => {
      finish(false, describeError(error));
    });
    req.on('response', (res: IncomingMessage) => {
      const code = res.statusCode ?? 0;
      answered = code;
      // Why read the body even when only the status matters: closing mid-answer makes some servers log a
      // "broken pipe" every interval. Health answers are small, so this costs nothing.
      readBody(res, (body, error) => {
        if (error !== null) finish(false, `HTTP ${String(code)}, then ${error}`);
        else if (!statusPasses(code)) finish(false, `HTTP ${String(code)}: ${excerptText(body)}`);
        else if (bodyPattern !== null && !bodyPattern.test(body)) finish(false, `HTTP ${String(code)}: body does not match /${bodyPattern.source}/: ${excerptText(body)}`);
        else finish(true, `HTTP ${String(code)}`);
      });
    });
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    req.end();
  });
};

/** Reads the body, or its first HTTP_BODY_LIMIT bytes, then hands it over; a broken body reports its error. */
function readBody(res: IncomingMessage, done: (body: string, error: string | null) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let finished = false;
  const finish = (error: string | null): void => {
    if (finished) return;
    finished = true;
    done(Buffer.concat(chunks).subarray(0, HTTP_BODY_LIMIT).toString('utf8'), error);
  };
  res.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= HTTP_BODY_LIMIT) finish(null);
  });
  res.on('end', () => {
    finish(null);
  });
  res.on('error', (error) => {
    finish(describeError(error));
  });
  res.on('aborted', () => {
    finish('the connection closed mid-body');
  });
}
