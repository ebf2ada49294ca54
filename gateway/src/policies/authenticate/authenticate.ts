import { openApiContracts } from '@concord/contracts/generated/index.ts';
import { createMiddleware } from 'hono/factory';
import type { GatewayEnv } from '../../env.ts';
import { requestHeader } from '../../request-headers.ts';
import type { CompiledRoute } from '../../route-variables.ts';
import { compileSecurity, type ApiKeyLocation, type CompiledSecurity, type SecuritySchemes } from '../authorize/security-requirements.ts';
import type { Principal } from '../principal-variables.ts';
import { CredentialsRequiredError, InvalidApiKeyError, InvalidTokenError } from './auth-errors.ts';
import { readApiKey } from './api-key-location.ts';
import type { SecurityMetrics } from './security-metrics.ts';
import type { TokenVerifier } from './token-verifier.ts';

export interface AuthenticatePolicyOptions {
  verifier: TokenVerifier;
  metrics: SecurityMetrics;
  /** A contract's `components.securitySchemes`; by default the generated contract's (tests pass their own contracts). */
  securitySchemes?: (contract: string) => SecuritySchemes | undefined;
}

const BEARER = /^Bearer +([^ ]+) *$/i;

export const locationKey = (location: ApiKeyLocation): string => `${location.in}:${location.name}`;

const generatedSchemes = (contract: string): SecuritySchemes | undefined => openApiContracts[contract]?.components?.securitySchemes;

/**
 * Verifies every credential the request presents that the operation's contract accepts: a bearer
 * token (oauth2, openIdConnect, http bearer) and partner API keys (apiKey, where the contract says).
 * A presented credential that is not valid is a 401 at once; which alternative the valid ones
 * satisfy is authorize's question. Operations that are public on purpose pass without a principal
 * (and are rate limited per client IP instead).
 */
export function authenticatePolicy(options: AuthenticatePolicyOptions) {
  const { verifier, metrics } = options;
  const schemesOf = options.securitySchemes ?? generatedSchemes;
  // Compiled on first use per route; start-up (assertRoutesSecured) has refused what cannot be served.
  const compiled = new WeakMap<CompiledRoute, CompiledSecurity>();
  const noKeys: ReadonlyMap<string, Principal> = new Map();
  const securityOf = (route: CompiledRoute): CompiledSecurity => {
    let security = compiled.get(route);
    if (!security) {
      security = compileSecurity(route.operation.security, schemesOf(route.contract), () => true).security;
      compiled.set(route, security);
    }
    return security;
  };

  async function bearer(security: CompiledSecurity, header: string): Promise<Principal> {
    const match = BEARER.exec(header);
    if (!match) {
      metrics.authRejections.inc({ reason: 'not_bearer' });
      throw new CredentialsRequiredError(security, 'The Authorization header must use the Bearer scheme: `Authorization: Bearer <token>`.');
    }
    try {
      return await verifier.verify(match[1]!);
    } catch (err) {
      metrics.authRejections.inc({ reason: err instanceof InvalidTokenError ? err.reason : 'auth_unavailable' });
      throw err;
    }
  }

  return createMiddleware<GatewayEnv>(async function authenticate(c, next) {
    const route = c.get('route');
    if (route?.public) {
      c.set('principal', undefined);
      c.set('credentials', undefined);
      return next();
    }
    const security = securityOf(route);
    const authorization = requestHeader(c, 'authorization');
    const authorizationIsKey = security.apiKeys.some((l) => l.in === 'header' && l.name === 'authorization');
    // One header, two schemes (Discord's contract: `Authorization: Bot <key>` or `Bearer <token>`):
    // where the operation also takes tokens, a Bearer value is the token and anything else the key.
    // Asked only where the contract reads a key from that header: elsewhere bearer() checks the scheme.
    const authorizationIsBearer = authorizationIsKey && authorization !== undefined && security.acceptsBearer && BEARER.test(authorization);
    let keys: Map<string, Principal> | undefined;
    for (const location of security.apiKeys) {
      if (authorizationIsBearer && location.in === 'header' && location.name === 'authorization') continue;
      const key = readApiKey(c, location);
      if (key === undefined) continue;
      try {
        (keys ??= new Map()).set(locationKey(location), verifier.verifyApiKey(key));
      } catch (err) {
        if (err instanceof InvalidApiKeyError) metrics.authRejections.inc({ reason: 'invalid_api_key' });
        throw err;
      }
    }
    // Otherwise an API key the contract reads from the Authorization header is not a bearer token.
    const header = authorizationIsKey && !authorizationIsBearer ? undefined : authorization;
    let token: Principal | undefined;
    if (header && security.acceptsBearer) token = await bearer(security, header);
    if (!token && !keys) {
      metrics.authRejections.inc({ reason: header ? 'bearer_not_accepted' : 'missing' });
      const sent = !header ? 'No credential was sent.' : BEARER.test(header) ? 'A bearer token' : 'The Authorization header';
      throw new CredentialsRequiredError(security, header ? `${sent} does not satisfy this operation.` : sent);
    }
    c.set('credentials', { security, bearer: token, apiKeys: keys ?? noKeys });
    c.set('principal', token ?? keys!.values().next().value);
    return next();
  });
}
