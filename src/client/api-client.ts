// The CLI's side of the control API: JSON requests and the event stream over the Unix socket.
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
