export { rateLimitPolicy, type RateLimitPolicyOptions } from './rate-limit.ts';
export { createRateLimiter, type RateLimiter, type RateLimiterOptions } from './rate-limiter.ts';
export { createLimitStore, StoreTimeoutError, type LimitPolicy, type LimitStore, type LimitStoreOptions } from './limit-store.ts';
export { rateLimitHeaders, policyItem, type PolicyState } from './ratelimit-headers.ts';
export { RateLimitedError, RateLimitStoreUnavailableError } from './rate-limit-errors.ts';
export { clientIp } from './client-ip.ts';
