import type {
  CircuitBreakerConfig,
  OperationResilienceConfig,
  ResilienceConfig,
  RetryBudgetConfig,
  RetryConfig,
  TimeoutsConfig,
} from '../config/resilience-schema.ts';

/**
 * The effective resilience settings of one upstream or one operation: built-in defaults, then
 * `resilience.defaults`, then `resilience.upstreams.<name>`, then `resilience.operations.<id>`,
 * merged field by field. Resolved once at start-up, never per request.
 */
export type Timeouts = Required<TimeoutsConfig>;
export type RetrySettings = Required<RetryConfig>;
export type RetryBudgetSettings = Required<RetryBudgetConfig>;
export type CircuitBreakerSettings = Required<CircuitBreakerConfig>;

export interface UpstreamSettings {
  timeouts: Timeouts;
  retry: RetrySettings;
  retryBudget: RetryBudgetSettings;
  circuitBreaker: CircuitBreakerSettings;
  healthPath: string | undefined;
}

export interface OperationSettings {
  timeouts: Timeouts;
  retry: RetrySettings;
}

export const DEFAULT_TIMEOUTS: Timeouts = { headersMs: 10_000, requestMs: 15_000 };

export const DEFAULT_RETRY: RetrySettings = {
  maxAttempts: 3,
  baseDelayMs: 50,
  maxDelayMs: 1_000,
  statuses: [429, 502, 503, 504],
  maxRetryAfterMs: 5_000,
  retryOnTimeout: false,
};

export const DEFAULT_RETRY_BUDGET: RetryBudgetSettings = { ratio: 0.2, minRetriesPerWindow: 10, windowMs: 10_000 };

export const DEFAULT_CIRCUIT_BREAKER: CircuitBreakerSettings = {
  enabled: true,
  failureRateThreshold: 0.5,
  minimumCalls: 10,
  windowMs: 30_000,
  openMs: 10_000,
  halfOpenMaxCalls: 1,
  probeIntervalMs: 1_000,
  failureStatuses: [500, 502, 503, 504],
};

/** Spreads only the keys that are set, so an explicit `undefined` never erases a default. */
function merge<T extends object>(base: T, ...overrides: (Partial<T> | undefined)[]): T {
  const out = { ...base };
  for (const o of overrides) {
    if (!o) continue;
    for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  }
  return out;
}

export function upstreamSettings(config: ResilienceConfig | undefined, upstream: string): UpstreamSettings {
  const d = config?.defaults;
  const u = config?.upstreams?.[upstream];
  return {
    timeouts: merge(DEFAULT_TIMEOUTS, d?.timeouts, u?.timeouts),
    retry: merge(DEFAULT_RETRY, d?.retry, u?.retry),
    retryBudget: merge(DEFAULT_RETRY_BUDGET, d?.retryBudget, u?.retryBudget),
    circuitBreaker: merge(DEFAULT_CIRCUIT_BREAKER, d?.circuitBreaker, u?.circuitBreaker),
    healthPath: u?.healthPath ?? d?.healthPath,
  };
}

export function operationSettings(upstream: UpstreamSettings, operation: OperationResilienceConfig | undefined): OperationSettings {
  return {
    timeouts: merge(upstream.timeouts, operation?.timeouts),
    retry: merge(upstream.retry, operation?.retry),
  };
}
