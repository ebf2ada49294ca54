/**
 * When a failed delivery is tried again. The schedule lists the delay before each attempt (the
 * first is normally 0: send at once); its length is the number of attempts before the message
 * goes to the dead-letter queue. Delays are spread by +-jitter so endpoints that failed together
 * do not get their retries together.
 */
export interface RetryPolicy {
  /** Delay before attempt n+1, in ms; length = maximum attempts. */
  scheduleMs: readonly number[];
  /** Fraction of each delay to spread randomly either way; default 0.2. */
  jitter: number;
  /** A Retry-After longer than this is capped, so an endpoint cannot park messages forever. */
  maxRetryAfterMs: number;
}

const S = 1000;
const M = 60 * S;
const H = 60 * M;

/** Standard Webhooks' schedule: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h. */
export const STANDARD_WEBHOOKS_SCHEDULE_MS: readonly number[] = [0, 5 * S, 5 * M, 30 * M, 2 * H, 5 * H, 10 * H, 10 * H];

export const defaultRetryPolicy: RetryPolicy = { scheduleMs: STANDARD_WEBHOOKS_SCHEDULE_MS, jitter: 0.2, maxRetryAfterMs: 24 * H };

const UNITS: Record<string, number> = { ms: 1, s: S, m: M, h: H, d: 24 * H };

/** Parses `0,5s,5m,30m,2h` (a bare number is milliseconds). */
export function parseSchedule(text: string): number[] {
  const delays = text.split(',').map((part) => {
    const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(part);
    if (!match) throw new Error(`Invalid retry schedule entry ${JSON.stringify(part)}; use e.g. 0,5s,5m,30m,2h`);
    return Math.round(Number(match[1]) * UNITS[match[2] ?? 'ms']!);
  });
  if (delays.length === 0) throw new Error('The retry schedule needs at least one entry');
  return delays;
}

export { parseRetryAfter } from '@concord/contracts/src/http/retry-after.ts';

/**
 * Delay before the next attempt after `attemptsMade` attempts, or undefined when none are left.
 * A Retry-After longer than the schedule's delay wins (up to maxRetryAfterMs).
 */
export function nextDelayMs(
  policy: RetryPolicy,
  attemptsMade: number,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number | undefined {
  const base = policy.scheduleMs[attemptsMade];
  if (base === undefined) return undefined;
  const jittered = Math.max(0, Math.round(base * (1 + policy.jitter * (random() * 2 - 1))));
  if (retryAfterMs === undefined) return jittered;
  return Math.max(jittered, Math.min(retryAfterMs, policy.maxRetryAfterMs));
}
