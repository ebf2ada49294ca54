import { createMiddleware } from 'hono/factory';
import type { GatewayEnv } from '../../env.ts';
import { addResponseHeaders, applyResponseHeaders } from '../../response-headers.ts';
import type { TrustedProxies } from '../../listener/trusted-proxies.ts';
import { clientIp } from './client-ip.ts';
import type { RateLimiter } from './rate-limiter.ts';

export interface RateLimitPolicyOptions {
  limiter: RateLimiter;
  /** Who may say, in X-Forwarded-For, which client a request is from. */
  proxies: TrustedProxies;
}

/**
 * Partners are limited by their plan (key: client id; per-operation overrides), public operations
 * per client IP. Every limited response carries RateLimit and RateLimit-Policy; a 429 also
 * Retry-After (both set by RateLimitedError, rendered by app.onError).
 */
export function rateLimitPolicy(options: RateLimitPolicyOptions) {
  const { limiter, proxies } = options;
  return createMiddleware<GatewayEnv>(async function rateLimit(c, next) {
    const principal = c.get('principal');
    const route = c.get('route');
    const planPolicies = principal?.plan ? limiter.forPlan(principal.plan, route.operationId) : undefined;
    const headers = planPolicies
      ? await limiter.consume(planPolicies, `partner:${principal!.clientId}`)
      : await limiter.consume(limiter.perIp, `ip:${clientIp(c, proxies)}`);
    addResponseHeaders(c, headers);
    await next();
    applyResponseHeaders(c, headers);
  });
}
