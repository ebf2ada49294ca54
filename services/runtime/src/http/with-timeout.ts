/**
 * Runs `call` with a signal that aborts after `ms`, and settles at the deadline whether or not the
 * call noticed. Aborting alone is not enough: a Request's signal follows the caller's through an
 * AbortController that undici holds only weakly, so after a GC the abort may never reach the
 * request and the call hangs (seen in this repo's tests). `AbortSignal.timeout()` has the same gap.
 */
export function withTimeout<T>(ms: number, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      const reason = new DOMException(`No answer within ${ms} ms`, 'TimeoutError');
      controller.abort(reason);
      reject(reason);
    }, ms);
    call(controller.signal)
      .then(resolve, reject)
      .finally(() => clearTimeout(timer));
  });
}
