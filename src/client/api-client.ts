// The CLI's side of the control API: JSON requests and the event stream over the Unix socket.
import { existsSync } from 'node:fs';
import { request } from 'node:http';

export type ApiResponse = { readonly ok: true; readonly status: number; readonly body: unknown } | { readonly ok: false; readonly error: string };

/** Sends one request; `ok: false` when no daemon answers (socket missing or refused). */
export function callApi(socketPath: string, method: 'GET' | 'POST', path: string, timeoutMs = 120_000): Promise<ApiResponse> {
  return new Promise((resolve) => {
    const req = request({ socketPath, method, path, timeout: timeoutMs }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        try {
          resolve({ ok: true, status: res.statusCode ?? 0, body: JSON.parse(text) as unknown });
        } catch {
          resolve({ ok: false, error: `the daemon sent something that is not JSON: ${text.slice(0, 100)}` });
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (error) => {
      resolve({ ok: false, error: error.message });
    });
    req.end();
  });
}

/**
 * Sends a JSON body and reads an answer of JSON lines, calling `onLine` for each as it arrives (a deploy's progress).
 * Resolves with the HTTP status when the answer ends; `ok: false` when no daemon answers or the connection broke.
 */
export function streamApi(socketPath: string, path: string, body: string, onLine: (value: unknown) => void): { readonly done: Promise<ApiResponse>; readonly abort: () => void } {
  let abort: () => void = () => undefined;
  const done = new Promise<ApiResponse>((resolve) => {
    const req = request({ socketPath, method: 'POST', path, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let pending = '';
      let first: unknown = null;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        pending += chunk;
        let at = pending.indexOf('\n');
        while (at !== -1) {
          const line = pending.slice(0, at);
          pending = pending.slice(at + 1);
          if (line.trim() !== '') {
            try {
              const value: unknown = JSON.parse(line);
              first ??= value;
              onLine(value);
            } catch {
              // not a JSON line: ignored
            }
          }
          at = pending.indexOf('\n');
        }
      });
      res.on('end', () => {
        if (first === null && pending.trim() !== '') {
          try {
            first = JSON.parse(pending) as unknown;
          } catch {
            // keep null
          }
        }
        resolve({ ok: true, status: res.statusCode ?? 0, body: first });
      });
      res.on('error', (error) => {
        resolve({ ok: false, error: error.message });
      });
    });
    req.on('error', (error) => {
      resolve({ ok: false, error: error.message });
    });
    abort = () => req.destroy();
    req.end(body);
  });
  return { done, abort };
}

/**
 * Whether a daemon answers on `socketPath`. No socket file, no daemon: asked first because a cold process's first
 * request to a missing socket costs 10–20 ms, on the path of every `up -d`.
 */
export async function daemonAnswers(socketPath: string, timeoutMs = 2000): Promise<boolean> {
  return existsSync(socketPath) && (await callApi(socketPath, 'GET', '/v1/status', timeoutMs)).ok;
}
