import type { RetryBudgetSettings } from './resilience-settings.ts';

/**
 * A retry budget per upstream (as in Envoy and Finagle): retries may be at most `ratio` of the
 * requests seen in the last `windowMs`, plus `minRetriesPerWindow`, so that when an upstream is
 * failing for everyone the gateway adds a bounded share of load instead of multiplying it.
 * The window is a ring of ten buckets on the injected clock.
 */
const BUCKETS = 10;

export class RetryBudget {
  readonly #settings: RetryBudgetSettings;
  readonly #now: () => number;
  readonly #bucketMs: number;
  readonly #requests = new Array<number>(BUCKETS).fill(0);
  readonly #retries = new Array<number>(BUCKETS).fill(0);
  #epoch: number;

  constructor(settings: RetryBudgetSettings, now: () => number) {
    this.#settings = settings;
    this.#now = now;
    this.#bucketMs = Math.max(1, Math.ceil(settings.windowMs / BUCKETS));
    this.#epoch = Math.floor(now() / this.#bucketMs);
  }

  /** Count one original request (not a retry). */
  recordRequest(): void {
    this.#advance();
    this.#requests[this.#epoch % BUCKETS]! += 1;
  }

  /** Takes one retry from the budget; false when the budget is spent. */
  tryAcquireRetry(): boolean {
    this.#advance();
    const requests = this.#requests.reduce((a, b) => a + b, 0);
    const retries = this.#retries.reduce((a, b) => a + b, 0);
    const allowed = this.#settings.minRetriesPerWindow + this.#settings.ratio * requests;
    if (retries + 1 > allowed) return false;
    this.#retries[this.#epoch % BUCKETS]! += 1;
    return true;
  }

  #advance(): void {
    const epoch = Math.floor(this.#now() / this.#bucketMs);
    const steps = Math.min(BUCKETS, epoch - this.#epoch);
    for (let i = 1; i <= steps; i++) {
      const slot = (this.#epoch + i) % BUCKETS;
      this.#requests[slot] = 0;
      this.#retries[slot] = 0;
    }
    if (epoch > this.#epoch) this.#epoch = epoch;
  }
}
