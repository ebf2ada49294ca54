import { describe, expect, it } from 'vitest';
import { RetryBudget } from './retry-budget.ts';

describe('RetryBudget', () => {
  it('allows the minimum plus a share of the requests in the window', () => {
    const now = 0;
    const budget = new RetryBudget({ ratio: 0.1, minRetriesPerWindow: 2, windowMs: 1000 }, () => now);
    for (let i = 0; i < 20; i++) budget.recordRequest();
    // 2 + 0.1 * 20 = 4 retries
    const granted = Array.from({ length: 6 }, () => budget.tryAcquireRetry());
    expect(granted).toEqual([true, true, true, true, false, false]);
  });

  it('forgets requests and retries once they leave the window', () => {
    let now = 0;
    const budget = new RetryBudget({ ratio: 0, minRetriesPerWindow: 1, windowMs: 1000 }, () => now);
    expect(budget.tryAcquireRetry()).toBe(true);
    expect(budget.tryAcquireRetry()).toBe(false);
    now = 1500;
    expect(budget.tryAcquireRetry()).toBe(true);
  });
});
