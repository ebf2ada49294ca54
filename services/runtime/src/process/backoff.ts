export interface BackoffOptions {
  /** First delay's upper bound; default 250 ms. */
  baseMs?: number;
  /** No delay is longer than this; default 5000 ms. */
  maxMs?: number;
}

/**
 * Capped exponential backoff with "equal jitter": the delay for `attempt` (0-based) lies between
 * half and all of min(max, base * 2^attempt). Jitter keeps many replicas that lost the same server
 * from reconnecting in lock step; the floor keeps a retry from spinning.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}, random: () => number = Math.random): number {
  const base = options.baseMs ?? 250;
  const max = options.maxMs ?? 5000;
  const ceiling = Math.min(max, base * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
