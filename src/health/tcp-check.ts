// TCP probe: connect to 127.0.0.1:<port>, then close at once; passes when the connection is accepted.
import { connect } from 'node:net';
import { describeError, makeResult } from './probe-output.js';
import type { ProbeCheck, ProbeResult } from './probe-types.js';

/** Passes when 127.0.0.1 accepts a connection on the probe's port (or the service's). */
export const checkTcp: ProbeCheck = (probe, target, signal) => {
  const startedAt = Date.now();
  const port = probe.tcp?.port ?? target.port;
  if (port === null) return Promise.resolve(makeResult(false, 'no port to probe: the service has no port and the probe names none', startedAt));
  return new Promise<ProbeResult>((resolve) => {
    let done = false;
    const finish = (ok: boolean, output: string): void => {
      if (done) return;
      done = true;
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(makeResult(ok, output, startedAt));
    };
    const onAbort = (): void => {
      finish(false, signal.reason instanceof Error ? signal.reason.message : 'aborted');
    };
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      finish(true, `connected to 127.0.0.1:${String(port)}`);
    });
    socket.once('error', (error) => {
      finish(false, describeError(error));
    });
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
};
