import { type CallerCounts, createFailureWindow } from './failure-window.ts';
import type { CircuitBreakerSettings } from './resilience-settings.ts';

/**
 * A circuit breaker. Closed: calls flow and their outcomes are counted in a sliding window (per
 * caller, failure-window.ts); when its trip rule says so (by default: at least `minimumCalls` seen
 * and the failure share at `failureRateThreshold`), it opens. Open: every call is refused at once
 * for `openMs`, so a failing upstream costs nothing and is given room to recover, unless a health
 * probe passes first (`recovered()`). Half-open: up to `halfOpenMaxCalls` trial calls go through;
 * that many successes close it, one failure reopens it.
 */
export type CircuitState = 'closed' | 'open' | 'half-open';

export type Admission = { allowed: true; trial: boolean } | { allowed: false; retryAfterMs: number };

export type FailureKind = 'status' | 'transport';

/** Whether the calls in the window (per caller) open the breaker. */
export type TripRule = (callers: Map<string, CallerCounts>, settings: CircuitBreakerSettings) => boolean;

export interface CircuitBreaker {
  readonly name: string;
  readonly state: CircuitState;
  /** Asks to make a call. A granted trial call must be settled with onSuccess/onFailure/onIgnored. */
  admit(): Admission;
  onSuccess(trial: boolean, caller?: string): void;
  onFailure(trial: boolean, caller?: string, kind?: FailureKind): void;
  /** A trial that ended without telling anything about what this breaker guards (the client went away). */
  onIgnored(trial: boolean): void;
  /** A health probe passed while open: let trial calls through now instead of at the end of `openMs`. */
  recovered(): void;
  /** Closed with an empty window, whatever it was: its failures were explained by something else. */
  reset(): void;
}

/** An open or half-open breaker's state, as a later breaker for the same thing takes it over. */
export interface RememberedCircuit {
  state: 'open' | 'half-open';
  openedAt: number;
}

/**
 * Where a breaker keeps its state for the breaker that replaces it (a config reload builds new
 * breakers): `save` on every transition (undefined once closed), `load` once when created.
 */
export interface CircuitMemory {
  load(): RememberedCircuit | undefined;
  save(state: RememberedCircuit | undefined): void;
}

/** A CircuitMemory kept under `key` in a map that outlives the breakers (state-across-builds.ts). */
export function rememberIn(map: Map<string, RememberedCircuit>, key: string): CircuitMemory {
  return {
    load: () => map.get(key),
    save: (state) => (state ? map.set(key, state) : map.delete(key)),
  };
}

export interface CircuitBreakerOptions {
  name: string;
  settings: CircuitBreakerSettings;
  now: () => number;
  onStateChange?: (state: CircuitState, name: string) => void;
  trips?: TripRule;
  /** Starts in the state a predecessor left (open, with its time left), and keeps it there. */
  memory?: CircuitMemory;
}

/** Everyone's calls alike: the failure share over all calls in the window. */
export const failureRateReached: TripRule = (callers, settings) => {
  let calls = 0;
  let failures = 0;
  for (const c of callers.values()) {
    calls += c.calls;
    failures += c.statusFailures + c.transportFailures;
  }
  return calls >= settings.minimumCalls && failures / calls >= settings.failureRateThreshold;
};

/** The caller recorded when none is named (one breaker for everyone). */
const ANYONE = '';

export function createCircuitBreaker(options: CircuitBreakerOptions): CircuitBreaker {
  const { name, settings, now } = options;
  const onStateChange = options.onStateChange ?? (() => {});
  const trips = options.trips ?? failureRateReached;
  const window = createFailureWindow(settings.windowMs, now);
  const { memory } = options;
  // A predecessor's open state goes on with the time it had left; its failure window (closed-state
  // counts) does not: a reload starts those afresh.
  const inherited = memory?.load();
  let state: CircuitState = inherited?.state ?? 'closed';
  let openedAt = inherited?.openedAt ?? 0;
  let trialsInFlight = 0;
  let trialSuccesses = 0;

  const transition = (next: CircuitState) => {
    if (state === next) return;
    state = next;
    trialsInFlight = 0;
    trialSuccesses = 0;
    if (next === 'open') openedAt = now();
    if (next === 'closed') window.clear();
    memory?.save(next === 'closed' ? undefined : { state: next, openedAt });
    onStateChange(next, name);
  };
  const current = (): CircuitState => {
    if (state === 'open' && now() - openedAt >= settings.openMs) transition('half-open');
    return state;
  };

  return {
    name,
    get state() {
      return current();
    },
    admit() {
      if (!settings.enabled) return { allowed: true, trial: false };
      const s = current();
      if (s === 'closed') return { allowed: true, trial: false };
      if (s === 'open') return { allowed: false, retryAfterMs: settings.openMs - (now() - openedAt) };
      if (trialsInFlight + trialSuccesses >= settings.halfOpenMaxCalls) return { allowed: false, retryAfterMs: 1000 };
      trialsInFlight++;
      return { allowed: true, trial: true };
    },
    onSuccess(trial, caller = ANYONE) {
      if (!settings.enabled) return;
      if (trial) {
        if (state !== 'half-open') return;
        trialsInFlight--;
        trialSuccesses++;
        if (trialSuccesses >= settings.halfOpenMaxCalls) transition('closed');
        return;
      }
      if (state === 'closed') window.record(caller, 'success');
    },
    onFailure(trial, caller = ANYONE, kind = 'status') {
      if (!settings.enabled) return;
      if (trial) {
        if (state === 'half-open') transition('open');
        return;
      }
      if (state !== 'closed') return;
      window.record(caller, kind === 'status' ? 'status-failure' : 'transport-failure');
      if (trips(window.callers(), settings)) transition('open');
    },
    onIgnored(trial) {
      if (trial && state === 'half-open') trialsInFlight--;
    },
    recovered() {
      if (state === 'open') transition('half-open');
    },
    reset() {
      transition('closed');
      window.clear();
    },
  };
}
