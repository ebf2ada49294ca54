import { describe, expect, it } from 'vitest';
import { type CircuitState, createCircuitBreaker } from './circuit-breaker.ts';
import { DEFAULT_CIRCUIT_BREAKER } from './resilience-settings.ts';

function breaker(overrides: Partial<typeof DEFAULT_CIRCUIT_BREAKER> = {}) {
  const clock = { now: 0 };
  const changes: CircuitState[] = [];
  const b = createCircuitBreaker({
    name: 'orders',
    settings: {
      ...DEFAULT_CIRCUIT_BREAKER,
      minimumCalls: 4,
      failureRateThreshold: 0.5,
      windowMs: 10_000,
      openMs: 5_000,
      halfOpenMaxCalls: 1,
      ...overrides,
    },
    now: () => clock.now,
    onStateChange: (s) => changes.push(s),
  });
  return { b, clock, changes };
}

describe('CircuitBreaker', () => {
  it('stays closed below the minimum number of calls, whatever the failure rate', () => {
    const { b } = breaker();
    for (let i = 0; i < 3; i++) b.onFailure(false);
    expect(b.state).toBe('closed');
  });

  it('opens when the failure rate over the window reaches the threshold', () => {
    const { b, changes } = breaker();
    b.onSuccess(false);
    b.onSuccess(false);
    b.onFailure(false);
    expect(b.state).toBe('closed');
    b.onFailure(false);
    expect(b.state).toBe('open');
    expect(changes).toEqual(['open']);
    const admission = b.admit();
    expect(admission).toEqual({ allowed: false, retryAfterMs: 5000 });
  });

  it('does not count calls that left the window', () => {
    const { b, clock } = breaker();
    b.onFailure(false);
    b.onFailure(false);
    b.onFailure(false);
    clock.now = 20_000;
    b.onFailure(false);
    expect(b.state).toBe('closed');
  });

  it('lets a limited number of trials through after the cool-down; a trial success closes it', () => {
    const { b, clock, changes } = breaker();
    for (let i = 0; i < 4; i++) b.onFailure(false);
    clock.now = 5_000;
    const first = b.admit();
    expect(first).toEqual({ allowed: true, trial: true });
    expect(b.admit().allowed).toBe(false);
    b.onSuccess(true);
    expect(b.state).toBe('closed');
    expect(changes).toEqual(['open', 'half-open', 'closed']);
    // a fresh window: old failures do not reopen it
    b.onFailure(false);
    expect(b.state).toBe('closed');
  });

  it('reopens on a failed trial, for another full cool-down', () => {
    const { b, clock } = breaker({ halfOpenMaxCalls: 2 });
    for (let i = 0; i < 4; i++) b.onFailure(false);
    clock.now = 5_000;
    expect(b.admit()).toEqual({ allowed: true, trial: true });
    expect(b.admit()).toEqual({ allowed: true, trial: true });
    expect(b.admit().allowed).toBe(false);
    b.onFailure(true);
    expect(b.state).toBe('open');
    clock.now = 9_999;
    expect(b.admit()).toEqual({ allowed: false, retryAfterMs: 1 });
  });

  it('frees a trial slot when a trial ends without an outcome', () => {
    const { b, clock } = breaker();
    for (let i = 0; i < 4; i++) b.onFailure(false);
    clock.now = 5_000;
    expect(b.admit().allowed).toBe(true);
    b.onIgnored(true);
    expect(b.admit().allowed).toBe(true);
  });

  it('goes half-open as soon as a health probe passed, before the cool-down ends', () => {
    const { b, clock, changes } = breaker();
    for (let i = 0; i < 4; i++) b.onFailure(false);
    clock.now = 100;
    b.recovered();
    expect(b.admit()).toEqual({ allowed: true, trial: true });
    b.onSuccess(true);
    expect(changes).toEqual(['open', 'half-open', 'closed']);
  });

  it('ignores a passed probe unless open', () => {
    const { b, changes } = breaker();
    b.recovered();
    expect(b.state).toBe('closed');
    expect(changes).toEqual([]);
  });

  it('forgets its failures when reset', () => {
    const { b } = breaker();
    for (let i = 0; i < 3; i++) b.onFailure(false);
    b.reset();
    b.onFailure(false);
    expect(b.state).toBe('closed');
    for (let i = 0; i < 4; i++) b.onFailure(false);
    b.reset();
    expect(b.admit()).toEqual({ allowed: true, trial: false });
  });

  it('admits everything when disabled', () => {
    const { b } = breaker({ enabled: false });
    for (let i = 0; i < 10; i++) b.onFailure(false);
    expect(b.admit().allowed).toBe(true);
  });
});
