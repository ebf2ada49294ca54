export class StoreTimeoutError extends Error {
  constructor(ms: number) {
    super(`rate-limit store did not answer within ${ms} ms`);
    this.name = this.constructor.name;
  }
}

/**
 * A deadline that event-loop lag cannot trip: when the timer fires, the verdict waits one
 * setImmediate, so a Redis reply already sitting in the socket (poll phase) wins. Without this a
 * busy replica times out answered commands and, failing open, admits more than the plan.
 */
export function withDeadline<T>(operation: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => setImmediate(() => reject(new StoreTimeoutError(ms))), ms);
    operation.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}
