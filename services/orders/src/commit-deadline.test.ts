import { describe, expect, it } from 'vitest';
import { commitDeadlineFromEnv, DEFAULT_COMMIT_DEADLINE_MS, startCommitDeadline } from './commit-deadline.ts';

describe('the commit deadline', () => {
  it('lets a commit through up to the deadline and refuses it after, as a 503 dependency-unavailable', () => {
    let now = 1000;
    const deadline = startCommitDeadline(500, () => now);
    now = 1500;
    expect(() => deadline.check()).not.toThrow();
    now = 1501;
    expect(() => deadline.check()).toThrow(
      expect.objectContaining({
        problem: expect.objectContaining({ status: 503, type: 'https://concord.dev/problems/dependency-unavailable' }),
      }),
    );
  });

  it('reads ORDERS_COMMIT_DEADLINE_MS and refuses what is not a positive whole number', () => {
    expect(commitDeadlineFromEnv({})).toBe(DEFAULT_COMMIT_DEADLINE_MS);
    expect(commitDeadlineFromEnv({ ORDERS_COMMIT_DEADLINE_MS: '2500' })).toBe(2500);
    expect(() => commitDeadlineFromEnv({ ORDERS_COMMIT_DEADLINE_MS: '10s' })).toThrow(/ORDERS_COMMIT_DEADLINE_MS must be/);
    expect(() => commitDeadlineFromEnv({ ORDERS_COMMIT_DEADLINE_MS: '0' })).toThrow(/ORDERS_COMMIT_DEADLINE_MS must be/);
  });
});
