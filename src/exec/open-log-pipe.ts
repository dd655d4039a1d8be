// A real pipe (not a socketpair) for a child's stdout or stderr: the write end goes to the child, the
// read end stays with the daemon. Why: libuv's `stdio: 'pipe'` is a UNIX socketpair, on which every
// small write() costs the child far more than on a pipe (docs/decisions/0009-log-pipes.md).
import { closeSync, constants, fstatSync, openSync, unlinkSync } from 'node:fs';
import { Socket, type OnReadOpts, type SocketConstructorOpts } from 'node:net';
import type { Readable } from 'node:stream';
import { discardFifoPool, takeFifo } from './fifo-pool.js';

export interface PipeEnds {
  /** Non-blocking, for the daemon; close-on-exec like every fd Node opens. */
  readonly read: number;
  /** Blocking, as a child expects its stdout to be; the parent must close it right after spawn. */
  readonly write: number;
}

/** Opens both ends of a fresh pipe, or returns undefined (the caller falls back to Node's socketpair). */
export function openLogPipe(): PipeEnds | undefined {
  const path = takeFifo();
  if (path === undefined) return undefined;
  let read: number | undefined;
  try {
    // Read end first and non-blocking: opening a FIFO blocks until the other side is there, unless
    // O_NONBLOCK for reading. With our reader present, the blocking open of the write end returns
    // at once. (Opening the write end O_NONBLOCK instead would hand the child a non-blocking
    // stdout, on which most programs fail with EAGAIN.)
    read = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    if (!fstatSync(read).isFIFO()) throw new Error(`${path} is not a FIFO`);
    const write = openSync(path, constants.O_WRONLY);
    // From here on the pipe has no name: only fds reach it, so a child running as another user
    // writes to it whatever the folder's permissions.
    unlinkSync(path);
    return { read, write };
  } catch {
    if (read !== undefined) closeQuietly(read);
    discardFifoPool();
    return undefined;
  }
}

/**
 * A stream over the read end (it takes the fd). net.Socket, not fs.createReadStream: it waits in
 * epoll and reads up to 64 KiB (a whole default pipe) a call, where fs reads of a non-blocking fd
 * fail with EAGAIN and blocking ones would hold a thread-pool thread per idle child.
 * It ends once every write end is closed: the child's and any its children inherited.
 */
export function pipeReader(fd: number): Readable {
  return new Socket({ fd, readable: true, writable: false });
}

/** Read size of the shared buffer: a whole default pipe, as net.Socket reads. */
const SHARED_READ_BYTES = 64 * 1024;
let sharedReadBuffer: Buffer | undefined;

/**
 * pipeReader whose 'data' chunks are views of one buffer shared by every such reader in the process,
 * valid only while the listener runs: the next read overwrites them. For the log sink, which encodes
 * or copies what it keeps before it returns.
 * Why: a plain stream allocates a fresh 64 KiB buffer per read and passes it through the stream
 * machinery; a child writing 8 KiB blocks flat out then waits on a full pipe for the daemon. Reading
 * in place (net.Socket's `onread`) let such a child write 1.3–1.4× as fast (docs/benchmarks.md, P5).
 * One buffer serves every reader because a read's callback runs to its end before the next read.
 * The trap: a listener that keeps a chunk (pushes it to a list, holds a subarray) finds it rewritten.
 */
export function pipeReaderInPlace(fd: number): Readable {
  sharedReadBuffer ??= Buffer.allocUnsafeSlow(SHARED_READ_BYTES);
  // Node's Socket takes `onread` for any handle; @types/node declares it only for net.connect.
  const options: SocketConstructorOpts & { onread: OnReadOpts } = {
    fd,
    readable: true,
    writable: false,
    onread: {
      buffer: sharedReadBuffer,
      callback: (bytes, buffer) => {
        socket.emit('data', (buffer as Buffer).subarray(0, bytes));
        return true;
      },
    },
  };
  const socket = new Socket(options);
  return socket;
}

/** Closes an fd, ignoring errors (for clean-up paths). */
export function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Already closed.
  }
}
