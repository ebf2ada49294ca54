/**
 * Runs tasks one at a time per key, in arrival order, with at most `limit` waiting per key. The token
 * endpoint keys it by client id: a guess is tried only once the previous one for the same id has been
 * counted, so a burst of guesses cannot all slip past the lockout while the first is still in scrypt.
 */
export class KeyQueueFullError extends Error {
  constructor() {
    super('Too many requests for this client are in progress; retry in a second.');
    this.name = this.constructor.name;
  }
}

export interface PerKeyQueue {
  run<T>(key: string, task: () => Promise<T>): Promise<T>;
}

export function createPerKeyQueue(limit: number): PerKeyQueue {
  const queues = new Map<string, { tail: Promise<unknown>; size: number }>();
  return {
    async run(key, task) {
      const queue = queues.get(key) ?? { tail: Promise.resolve(), size: 0 };
      if (queue.size > limit) throw new KeyQueueFullError();
      queue.size++;
      queues.set(key, queue);
      const result = queue.tail.then(task);
      queue.tail = result.catch(() => undefined);
      try {
        return await result;
      } finally {
        if (--queue.size === 0) queues.delete(key);
      }
    },
  };
}
