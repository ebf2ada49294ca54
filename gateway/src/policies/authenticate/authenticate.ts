import { createMiddleware } from 'hono/factory';
import type { GatewayEnv } from '../../env.ts';
import { InvalidTokenError, UnauthenticatedError } from './auth-errors.ts';
import type { SecurityMetrics } from './security-metrics.ts';
import type { TokenVerifier } from './token-verifier.ts';
import { requestHeader } from '../../request-headers.ts';

export interface AuthenticatePolicyOptions {
  verifier: TokenVerifier;
  metrics: SecurityMetrics;
}

const BEARER = /^Bearer +([^ ]+) *$/i;

/**
 * Establishes the principal from `Authorization: Bearer <jwt>`. Operations that are public on
 * purpose pass without a principal (and are rate limited per client IP instead).
 */
export function authenticatePolicy(options: AuthenticatePolicyOptions) {
  const { verifier, metrics } = options;
  return createMiddleware<GatewayEnv>(async function authenticate(c, next) {
    const route = c.get('route');
    if (route?.public) {
      c.set('principal', undefined);
      return next();
    }
    const header = requestHeader(c, 'authorization');
    if (!header) {
      metrics.authRejections.inc({ reason: 'missing' });
      throw new UnauthenticatedError();
    }
    const match = BEARER.exec(header);
    if (!match) {
      metrics.authRejections.inc({ reason: 'not_bearer' });
      throw new UnauthenticatedError('The Authorization header must use the Bearer scheme: `Authorization: Bearer <token>`.');
    }
    try {
      c.set('principal', await verifier.verify(match[1]!));
    } catch (err) {
      metrics.authRejections.inc({ reason: err instanceof InvalidTokenError ? err.reason : 'auth_unavailable' });
      throw err;
    }
    return next();
  });
}
