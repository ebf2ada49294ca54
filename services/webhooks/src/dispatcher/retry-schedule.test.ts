import { describe, expect, it } from 'vitest';
import { STANDARD_WEBHOOKS_SCHEDULE_MS, defaultRetryPolicy, nextDelayMs, parseRetryAfter, parseSchedule } from './retry-schedule.ts';

describe('retry schedule', () => {
  it('defaults to the Standard Webhooks schedule', () => {
    expect(parseSchedule('0,5s,5m,30m,2h,5h,10h,10h')).toEqual(STANDARD_WEBHOOKS_SCHEDULE_MS);
    expect(defaultRetryPolicy.scheduleMs).toHaveLength(8);
  });
  it('spreads each delay by the jitter and stops after the last attempt', () => {
    const policy = { scheduleMs: [0, 1000, 2000], jitter: 0.2, maxRetryAfterMs: 10_000 };
    expect(nextDelayMs(policy, 1, undefined, () => 0)).toBe(800);
    expect(nextDelayMs(policy, 1, undefined, () => 1)).toBe(1200);
    expect(nextDelayMs(policy, 3, undefined)).toBeUndefined();
  });
  it('honours a longer Retry-After, capped', () => {
    const policy = { scheduleMs: [0, 1000, 2000], jitter: 0, maxRetryAfterMs: 10_000 };
    expect(nextDelayMs(policy, 1, 5000)).toBe(5000);
    expect(nextDelayMs(policy, 1, 500)).toBe(1000);
    expect(nextDelayMs(policy, 1, 60_000)).toBe(10_000);
    expect(parseRetryAfter('3', 0)).toBe(3000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4000)).toBe(6000);
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
  });
  it('rejects a malformed schedule', () => {
    expect(() => parseSchedule('1x')).toThrow(/Invalid retry schedule/);
  });
});
