import { createMiddleware } from 'hono/factory';
import type { GatewayEnv } from '../../env.ts';
import { partnerMayCall } from '../../partners/partner-registry.ts';
import { CredentialsRequiredError } from '../authenticate/auth-errors.ts';
import type { SecurityMetrics } from '../authenticate/security-metrics.ts';
import type { PresentedCredentials, Principal } from '../principal-variables.ts';
import { ForbiddenError, InsufficientScopeError } from './authorize-errors.ts';
import type { SchemeRequirement } from './security-requirements.ts';

export interface AuthorizePolicyOptions {
  metrics: SecurityMetrics;
  /** Refuse tokens whose client is not a partner in the config and has no fallback plan. */
  requireKnownPartner: boolean;
}

function credentialFor(requirement: SchemeRequirement, credentials: PresentedCredentials): Principal | undefined {
  if (requirement.kind === 'bearer') return credentials.bearer;
  if (requirement.kind === 'apiKey') return credentials.apiKeys.get(`${requirement.location.in}:${requirement.location.name}`);
  return undefined;
}

type Outcome = { principal: Principal } | { required: string[]; missing: string[] } | undefined;

/**
 * One alternative (an AND of schemes): satisfied when every scheme has a credential, all of one
 * client, holding the scheme's scopes. Otherwise the scopes it lacks, when only scopes were lacking.
 */
function evaluate(alternative: readonly SchemeRequirement[], credentials: PresentedCredentials): Outcome {
  let who: Principal | undefined;
  let missing: string[] | undefined;
  for (const requirement of alternative) {
    const principal = credentialFor(requirement, credentials);
    if (!principal || (who && who.clientId !== principal.clientId)) return undefined;
    who = principal;
    for (const scope of requirement.scopes) if (!principal.scopes.has(scope)) (missing ??= []).push(scope);
  }
  if (!who) return undefined;
  return missing ? { required: [...new Set(alternative.flatMap((r) => r.scopes))], missing } : { principal: who };
}

/**
 * The partner must be enabled and allowed this API; then the operation's `security` is enforced as
 * OpenAPI defines it: the first alternative the presented credentials satisfy wins (and its client
 * becomes the principal), and a refusal names what would have satisfied the operation.
 */
export function authorizePolicy(options: AuthorizePolicyOptions) {
  const { metrics } = options;
  return createMiddleware<GatewayEnv>(async function authorize(c, next) {
    const route = c.get('route');
    if (route.public) return next();
    const principal = c.get('principal');
    const credentials = c.get('credentials');
    if (!principal || !credentials) throw new ForbiddenError('No principal was established for a protected operation.');
    const check = (presented: Principal) => {
      const partner = presented.partner;
      if (partner && !partner.enabled) {
        metrics.authRejections.inc({ reason: 'partner_disabled' });
        throw new ForbiddenError(`Partner "${partner.clientId}" is disabled.`);
      }
      if (!partner && !presented.plan && options.requireKnownPartner) {
        metrics.authRejections.inc({ reason: 'unknown_partner' });
        throw new ForbiddenError(`Client "${presented.clientId}" is not a registered partner.`);
      }
      if (partner && !partnerMayCall(partner, route.api)) {
        metrics.authRejections.inc({ reason: 'api_not_allowed' });
        throw new ForbiddenError(`Partner "${partner.clientId}" may not call the ${route.api} API.`);
      }
    };
    if (credentials.bearer) check(credentials.bearer);
    for (const presented of credentials.apiKeys.values()) check(presented);
    const { security } = credentials;
    let shortfall: { required: string[]; missing: string[] } | undefined;
    for (const alternative of security.alternatives) {
      const outcome = evaluate(alternative, credentials);
      if (!outcome) continue;
      if ('principal' in outcome) {
        if (outcome.principal !== principal) c.set('principal', outcome.principal);
        return next();
      }
      shortfall ??= outcome;
    }
    if (shortfall) {
      metrics.authRejections.inc({ reason: 'insufficient_scope' });
      throw new InsufficientScopeError(shortfall.required, shortfall.missing, security);
    }
    metrics.authRejections.inc({ reason: 'requirement_not_met' });
    throw new CredentialsRequiredError(security, 'The credentials sent satisfy none of the alternatives.');
  });
}
