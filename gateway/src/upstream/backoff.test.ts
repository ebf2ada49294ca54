import { describe, expect, it } from 'vitest';
import { fullJitterDelay, parseRetryAfter, sleep } from './backoff.ts';

describe('fullJitterDelay', () => {
  const opts = (r: number) => ({ baseDelayMs: 100, maxDelayMs: 1000, random: () => r });

  it('doubles the ceiling each retry and scales it by the random draw (full jitter)', () => {
    expect([1, 2, 3, 4].map((n) => fullJitterDelay(n, opts(0.5)))).toEqual([50, 100, 200, 400]);
    expect(fullJitterDelay(3, opts(0))).toBe(0);
  });

  it('never exceeds the cap', () => {
    expect(fullJitterDelay(10, opts(0.999))).toBe(999);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it('reads delay-seconds and HTTP-dates', () => {
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter(['2'], now)).toBe(2000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 00:00:05 GMT', now)).toBe(0);
  });
  it('ignores what it cannot parse', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});

describe('sleep', () => {
  it('rejects as soon as the signal aborts', async () => {
    const controller = new AbortController();
    const pending = sleep(60_000, controller.signal);
    controller.abort(new Error('gone'));
    await expect(pending).rejects.toThrow('gone');
  });
});
