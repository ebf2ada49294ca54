import { ProblemError } from '@concord/contracts/src/problem.ts';

/** ORDERS_COMMIT_DEADLINE_MS' default: far below inventory's reservation TTL (60 s). */
export const DEFAULT_COMMIT_DEADLINE_MS = 10_000;

/** ORDERS_COMMIT_DEADLINE_MS, validated: a typo must not make every order fail (or none ever check). */
export function commitDeadlineFromEnv(env: NodeJS.ProcessEnv): number {
  const raw = env.ORDERS_COMMIT_DEADLINE_MS;
  if (raw === undefined || raw === '') return DEFAULT_COMMIT_DEADLINE_MS;
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms <= 0)
    throw new Error(`ORDERS_COMMIT_DEADLINE_MS must be a positive whole number of milliseconds, got ${raw}`);
  return ms;
}

export interface CommitDeadline {
  /** Throws (503) once the deadline has passed; called as the last statement before COMMIT. */
  check(): void;
}

/**
 * The order's half of the reservation reaper's rule. Inventory releases a reservation whose order
 * orders does not have once its TTL has passed; so orders must never commit an order after that.
 * It refuses to commit later than `ms` after it started reserving, measured on a monotonic clock;
 * the write is rolled back, the reservation released (compensation) and the client told to retry.
 */
export function startCommitDeadline(ms: number = DEFAULT_COMMIT_DEADLINE_MS, now: () => number = () => performance.now()): CommitDeadline {
  const started = now();
  return {
    check() {
      const elapsed = now() - started;
      if (elapsed <= ms) return;
      throw new ProblemError(
        'dependency-unavailable',
        `The order could not be written within ${ms} ms of reserving its stock; no order was placed. Retry later.`,
        { headers: { 'retry-after': '1' } },
      );
    },
  };
}
