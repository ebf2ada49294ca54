import type { CircuitBreakerSettings } from './resilience-settings.ts';

/**
 * A circuit breaker per upstream. Closed: calls flow and their outcomes are counted in a sliding
 * window (ten buckets on the injected clock); when at least `minimumCalls` were seen and the failure
 * share reaches `failureRateThreshold`, it opens. Open: every call is refused at once for `openMs`,
 * so a dead upstream costs nothing and is given room to recover. Half-open: up to
 * `halfOpenMaxCalls` trial calls go through; that many successes close it, one failure reopens it.
 */
export type CircuitState = 'closed' | 'open' | 'half-open';

export type Admission = { allowed: true; trial: boolean } | { allowed: false; retryAfterMs: number };

const BUCKETS = 10;

export class CircuitBreaker {
  readonly name: string;
  readonly #settings: CircuitBreakerSettings;
  readonly #now: () => number;
  readonly #onStateChange: (state: CircuitState, name: string) => void;
  readonly #bucketMs: number;
  readonly #calls = new Array<number>(BUCKETS).fill(0);
  readonly #failures = new Array<number>(BUCKETS).fill(0);
  #epoch: number;
  #state: CircuitState = 'closed';
  #openedAt = 0;
  #trialsInFlight = 0;
  #trialSuccesses = 0;

  constructor(
    name: string,
    settings: CircuitBreakerSettings,
    now: () => number,
    onStateChange: (state: CircuitState, name: string) => void = () => {},
  ) {
    this.name = name;
    this.#settings = settings;
    this.#now = now;
    this.#onStateChange = onStateChange;
    this.#bucketMs = Math.max(1, Math.ceil(settings.windowMs / BUCKETS));
    this.#epoch = Math.floor(now() / this.#bucketMs);
  }

  get state(): CircuitState {
    if (this.#state === 'open' && this.#now() - this.#openedAt >= this.#settings.openMs) this.#transition('half-open');
    return this.#state;
  }

  /** Asks to make a call. A granted trial call must be settled with onSuccess/onFailure/onIgnored. */
  admit(): Admission {
    if (!this.#settings.enabled) return { allowed: true, trial: false };
    const state = this.state;
    if (state === 'closed') return { allowed: true, trial: false };
    if (state === 'open') return { allowed: false, retryAfterMs: this.#settings.openMs - (this.#now() - this.#openedAt) };
    if (this.#trialsInFlight + this.#trialSuccesses >= this.#settings.halfOpenMaxCalls) return { allowed: false, retryAfterMs: 1000 };
    this.#trialsInFlight++;
    return { allowed: true, trial: true };
  }

  onSuccess(trial: boolean): void {
    if (!this.#settings.enabled) return;
    if (trial) {
      if (this.#state !== 'half-open') return;
      this.#trialsInFlight--;
      this.#trialSuccesses++;
      if (this.#trialSuccesses >= this.#settings.halfOpenMaxCalls) this.#transition('closed');
      return;
    }
    this.#record(false);
  }

  onFailure(trial: boolean): void {
    if (!this.#settings.enabled) return;
    if (trial) {
      if (this.#state === 'half-open') this.#transition('open');
      return;
    }
    if (this.#state !== 'closed') return;
    this.#record(true);
    const calls = sum(this.#calls);
    if (calls >= this.#settings.minimumCalls && sum(this.#failures) / calls >= this.#settings.failureRateThreshold)
      this.#transition('open');
  }

  /** A trial that ended without telling anything about the upstream (the client went away). */
  onIgnored(trial: boolean): void {
    if (trial && this.#state === 'half-open') this.#trialsInFlight--;
  }

  #record(failure: boolean): void {
    this.#advance();
    const slot = this.#epoch % BUCKETS;
    this.#calls[slot]! += 1;
    if (failure) this.#failures[slot]! += 1;
  }

  #advance(): void {
    const epoch = Math.floor(this.#now() / this.#bucketMs);
    const steps = Math.min(BUCKETS, epoch - this.#epoch);
    for (let i = 1; i <= steps; i++) {
      const slot = (this.#epoch + i) % BUCKETS;
      this.#calls[slot] = 0;
      this.#failures[slot] = 0;
    }
    if (epoch > this.#epoch) this.#epoch = epoch;
  }

  #transition(state: CircuitState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#trialsInFlight = 0;
    this.#trialSuccesses = 0;
    if (state === 'open') this.#openedAt = this.#now();
    if (state === 'closed') {
      this.#calls.fill(0);
      this.#failures.fill(0);
    }
    this.#onStateChange(state, this.name);
  }
}

function sum(values: number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}
