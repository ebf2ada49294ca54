import type { Pool } from 'undici';
import type { Timeouts } from './resilience-settings.ts';

/**
 * Three timeouts bound an upstream call. Connect and body-idle are undici Pool options, so they are
 * per upstream (`poolTimeoutOptions`, used where the core builds its pools). The headers timeout is
 * enforced per attempt and the whole-request deadline per request (`AbortSignal.timeout`), both
 * here, so an operation can tighten them without a pool of its own.
 */
export function poolTimeoutOptions(t: Pick<Timeouts, 'connectMs' | 'headersMs' | 'bodyMs'>): Pick<Pool.Options, 'connect' | 'headersTimeout' | 'bodyTimeout'> {
  return { connect: { timeout: t.connectMs }, headersTimeout: t.headersMs, bodyTimeout: t.bodyMs };
}

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
      if (client.aborted) return 'client';
      if (deadline.aborted) return 'deadline';
      if (headers.signal.aborted) return 'headers-timeout';
      clearTimeout(timer);
      return undefined;
    },
  };
}
