import type { Context } from 'hono';
import type { TokenRequestAdmission } from '../../partners/token-endpoint.ts';
import type { TrustedProxies } from '../../listener/trusted-proxies.ts';
import { clientIp } from './client-ip.ts';
import { RateLimitedError, RateLimitStoreUnavailableError } from './rate-limit-errors.ts';
import type { RateLimiter } from './rate-limiter.ts';

/**
 * The token endpoint's limit, per client IP: the same limiter and store as the API's limits, answered
 * as an admission rather than a thrown problem, because the token endpoint speaks OAuth's error JSON.
 */
export function tokenRequestLimit(options: { limiter: RateLimiter; proxies: TrustedProxies }) {
  const { limiter, proxies } = options;
  return async function admitTokenRequest(c: Context): Promise<TokenRequestAdmission> {
    try {
      const headers = await limiter.consume(limiter.tokenEndpoint, `ip:${clientIp(c, proxies)}`);
      return { admitted: true, headers };
    } catch (err) {
      if (err instanceof RateLimitedError) return { admitted: false, status: 429, description: err.message, headers: err.headers };
      if (err instanceof RateLimitStoreUnavailableError)
        return { admitted: false, status: 503, description: err.message, headers: err.headers };
      throw err;
    }
  };
}
