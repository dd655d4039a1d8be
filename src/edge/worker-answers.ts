// The primary's fan-out requests: one question to a set of workers, done when each has answered or died (a dead
// worker's connections died with it, so it has nothing left to report).
export interface WorkerAnswers<T> {
  /** Records a worker's answer to request `id`. */
  answer(id: string, workerId: number, value: T): void;
  /** Stops waiting for a worker that exited. */
  forget(workerId: number): void;
  /** Starts a request to `workerIds`; `done` gets the answers once all are in (at once for no workers). */
  ask(workerIds: Iterable<number>, done: (answers: T[]) => void): string;
}

interface Pending<T> {
  readonly waiting: Set<number>;
  readonly answers: T[];
  readonly done: (answers: T[]) => void;
}

export function createWorkerAnswers<T>(): WorkerAnswers<T> {
  const pending = new Map<string, Pending<T>>();
  let next = 0;

  const settle = (id: string, request: Pending<T>): void => {
    if (request.waiting.size > 0) return;
    pending.delete(id);
    request.done(request.answers);
  };

  return {
    answer(id, workerId, value) {
      const request = pending.get(id);
      if (request?.waiting.delete(workerId) !== true) return;
      request.answers.push(value);
      settle(id, request);
    },
    forget(workerId) {
      for (const [id, request] of [...pending]) if (request.waiting.delete(workerId)) settle(id, request);
    },
    ask(workerIds, done) {
      const id = String(++next);
      const request: Pending<T> = { waiting: new Set(workerIds), answers: [], done };
      pending.set(id, request);
      settle(id, request);
      return id;
    },
  };
}
