import { RateLimiterRes } from 'rate-limiter-flexible';
import type { LimitConfig, PlanConfig, SecurityConfig } from '../../config/security-schema.ts';
import type { SecurityMetrics } from '../authenticate/security-metrics.ts';
import type { LimitPolicy, LimitStore } from './limit-store.ts';
import { rateLimitHeaders, type PolicyState } from './ratelimit-headers.ts';
import { RateLimitedError, RateLimitStoreUnavailableError } from './rate-limit-errors.ts';

/**
 * Every rate-limit policy of the gateway, built once at start-up: per plan (with per-operation
 * overrides and an optional quota), per client IP for public operations, and for the token endpoint.
 * `consume` never lets a RateLimiterRes escape: it becomes RateLimitedError (429) or, for a store
 * failure when failing closed, RateLimitStoreUnavailableError (503).
 */
export interface RateLimiter {
  /** Policies for a partner's request on an operation. */
  forPlan(plan: string, operationId: string): readonly LimitPolicy[] | undefined;
  perIp: readonly LimitPolicy[];
  tokenEndpoint: readonly LimitPolicy[];
  /** Consumes one point of each policy; returns the RateLimit headers to send. */
  consume(policies: readonly LimitPolicy[], key: string): Promise<Record<string, string>>;
}

export interface RateLimiterOptions {
  plans: ReadonlyMap<string, PlanConfig>;
  rateLimit: SecurityConfig['rateLimit'];
  store: LimitStore;
  metrics: SecurityMetrics;
}

function stateOf(policy: LimitPolicy, res: RateLimiterRes): PolicyState {
  return {
    name: policy.name,
    quota: policy.points,
    windowSeconds: policy.windowSeconds,
    remaining: res.remainingPoints,
    resetSeconds: Math.ceil(res.msBeforeNext / 1000),
  };
}

export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const { store, metrics } = options;
  const byPlan = new Map<string, { base: LimitPolicy[]; operations: Map<string, LimitPolicy[]> }>();
  for (const [planName, plan] of options.plans) {
    const quota = plan.quota ? [store.policy(`${planName}-quota`, plan.quota)] : [];
    const operations = new Map<string, LimitPolicy[]>();
    for (const [operationId, limit] of Object.entries(plan.operations) as Array<[string, LimitConfig]>) {
      operations.set(operationId, [store.policy(`${planName}.${operationId}`, limit), ...quota]);
    }
    byPlan.set(planName, { base: [store.policy(planName, plan.rateLimit), ...quota], operations });
  }

  return {
    forPlan(plan, operationId) {
      const entry = byPlan.get(plan);
      return entry && (entry.operations.get(operationId) ?? entry.base);
    },
    perIp: [store.policy('per-ip', options.rateLimit.perIp)],
    tokenEndpoint: [store.policy('token-endpoint', options.rateLimit.tokenEndpoint)],
    async consume(policies, key) {
      const states: PolicyState[] = [];
      for (const policy of policies) {
        try {
          const res = await policy.consume(key);
          states.push(stateOf(policy, res));
        } catch (err) {
          if (err instanceof RateLimiterRes) {
            metrics.rateLimitDecisions.inc({ policy: policy.name, outcome: 'rejected' });
            const state = stateOf(policy, err);
            const retryAfter = Math.max(1, Math.ceil(err.msBeforeNext / 1000));
            throw new RateLimitedError(policy.name, retryAfter, rateLimitHeaders([state]));
          }
          // Reaches here only when failing closed (fail-open counts in memory); the store counted it.
          metrics.rateLimitDecisions.inc({ policy: policy.name, outcome: 'store_unavailable' });
          throw new RateLimitStoreUnavailableError(err);
        }
      }
      for (const policy of policies) metrics.rateLimitDecisions.inc({ policy: policy.name, outcome: 'admitted' });
      return rateLimitHeaders(states);
    },
  };
}
