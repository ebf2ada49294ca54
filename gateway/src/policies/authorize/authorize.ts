import { createMiddleware } from 'hono/factory';
import type { GatewayEnv } from '../../env.ts';
import { partnerMayCall } from '../../partners/partner-registry.ts';
import type { SecurityMetrics } from '../authenticate/security-metrics.ts';
import { ForbiddenError, InsufficientScopeError } from './authorize-errors.ts';

export interface AuthorizePolicyOptions {
  metrics: SecurityMetrics;
  /** Refuse tokens whose client is not a partner in the config and has no fallback plan. */
  requireKnownPartner: boolean;
}

/**
 * Enforces the contract: every scope of the operation's `security` requirement (CompiledRoute.scopes),
 * the partner being enabled, and the partner being allowed this API.
 */
export function authorizePolicy(options: AuthorizePolicyOptions) {
  const { metrics } = options;
  return createMiddleware<GatewayEnv>(async function authorize(c, next) {
    const route = c.get('route');
    if (route.public) return next();
    const principal = c.get('principal');
    if (!principal) throw new ForbiddenError('No principal was established for a protected operation.');
    const partner = principal.partner;
    if (partner && !partner.enabled) {
      metrics.authRejections.inc({ reason: 'partner_disabled' });
      throw new ForbiddenError(`Partner "${partner.clientId}" is disabled.`);
    }
    if (!partner && !principal.plan && options.requireKnownPartner) {
      metrics.authRejections.inc({ reason: 'unknown_partner' });
      throw new ForbiddenError(`Client "${principal.clientId}" is not a registered partner.`);
    }
    if (partner && !partnerMayCall(partner, route.api)) {
      metrics.authRejections.inc({ reason: 'api_not_allowed' });
      throw new ForbiddenError(`Partner "${partner.clientId}" may not call the ${route.api} API.`);
    }
    const missing = route.scopes.filter((scope) => !principal.scopes.has(scope));
    if (missing.length > 0) {
      metrics.authRejections.inc({ reason: 'insufficient_scope' });
      throw new InsufficientScopeError(route.scopes, missing);
    }
    return next();
  });
}
