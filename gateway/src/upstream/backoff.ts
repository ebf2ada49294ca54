/**
 * Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff And Jitter"):
 * retry n (1-based) waits a uniformly random time in [0, min(cap, base * 2^(n-1))). Full jitter
 * spreads retries of many clients instead of letting them hit a recovering upstream together.
 */
import type { AbortLike } from './abort-channel.ts';

export interface BackoffOptions {
  baseDelayMs: number;
  maxDelayMs: number;
  /** [0, 1), injected so tests are deterministic. */
  random: () => number;
}

export function fullJitterDelay(retry: number, { baseDelayMs, maxDelayMs, random }: BackoffOptions): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * ceiling);
}

export { parseRetryAfter } from '@concord/contracts/src/http/retry-after.ts';

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal: AbortLike): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
