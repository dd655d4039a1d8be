// Picks a free TCP port on 127.0.0.1 for an `http: {}` instance.
import { createServer } from 'node:net';

/** Asks the kernel for a free port (listen on 0, read it, close). */
export function allocatePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}
