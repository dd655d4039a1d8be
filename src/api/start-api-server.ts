// Serves the control API on a Unix socket that only the owner can use (mode 0600).
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { dirname } from 'node:path';
import { handleApiRequest, type ApiContext } from './api-routes.js';

/** Listens on `socketPath` (replacing a stale socket file) and resolves once listening. */
export async function startApiServer(socketPath: string, context: ApiContext): Promise<Server> {
  mkdirSync(dirname(socketPath), { recursive: true, mode: 0o700 });
  rmSync(socketPath, { force: true });
  const server = createServer((request, response) => {
    void handleApiRequest(context, request, response);
  });
  // Why a umask around listen: the socket must never exist, even for a moment, with wider permissions.
  const previous = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => {
        resolve();
      });
    });
  } finally {
    process.umask(previous);
  }
  chmodSync(socketPath, 0o600);
  return server;
}
