/**
 * Timeouts of an upstream call. Connect and body-idle timeouts are undici Pool options (the core's
 * pools, per upstream). Here: the headers timeout per attempt, so an operation can tighten it
 * without a pool of its own and a retry gets a fresh one, and the whole-request deadline, shared by
 * every attempt and the backoff between them.
 */
/** Why an attempt's signal fired: the caller went away, the deadline passed, or headers were late. */
export type AbortReason = 'client' | 'deadline' | 'headers-timeout';

export interface AttemptSignal {
  signal: AbortSignal;
  /** Call once the response headers are in: the headers timer must not cut the body. */
  headersReceived(): void;
  reason(): AbortReason | undefined;
}

/**
 * The signal of one attempt: fires on the client's abort, on the request's deadline, or when the
 * headers do not arrive within `headersMs`. The same deadline signal is shared by every attempt.
 */
export function attemptSignal(client: AbortSignal, deadline: AbortSignal, headersMs: number): AttemptSignal {
  const headers = new AbortController();
  const timer = setTimeout(() => headers.abort(new DOMException('upstream headers timeout', 'TimeoutError')), headersMs);
  timer.unref?.();
  return {
    signal: AbortSignal.any([client, deadline, headers.signal]),
    headersReceived: () => clearTimeout(timer),
    reason: () => {
      // The pipeline's own deadline arrives on the client signal as a TimeoutError: not a client abort.
      if (client.aborted) return (client.reason as { name?: string } | undefined)?.name === 'TimeoutError' ? 'deadline' : 'client';
      if (deadline.aborted) return 'deadline';
      if (headers.signal.aborted) return 'headers-timeout';
      clearTimeout(timer);
      return undefined;
    },
  };
}
