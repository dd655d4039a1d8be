// Whether 127.0.0.1:port can be listened on, checked before a server starts, so "port in use" is a clear error
// at once instead of a server that exits and a restart loop.
import { createServer } from 'node:net';

/** Resolves true when the port is free on 127.0.0.1, false when something holds it. */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => {
      resolve(false);
    });
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => {
      server.close(() => {
        resolve(true);
      });
    });
  });
}
