/**
 * Matches the request against the route table built from the contracts. Unknown path: 404; a known
 * path with a method the contract does not define: 405 with Allow. A CORS preflight is matched
 * against the method it asks about, so the CORS step can answer it for the right API.
 */
import type { createGatewayFactory } from '../../env.ts';
import { GatewayError } from '../../errors.ts';
import type { RouteTable } from '../../routes.ts';
import { requestHeader } from '../../request-headers.ts';

export function routeMatch(factory: ReturnType<typeof createGatewayFactory>, table: RouteTable) {
  return factory.createMiddleware(async function routeMatch(c, next) {
    let method = c.req.method;
    if (method === 'OPTIONS') {
      const requested = requestHeader(c, 'access-control-request-method');
      if (requested && requestHeader(c, 'origin')) method = requested.toUpperCase();
    }
    const path = c.req.path;
    const match = table.match(method, path);
    if (match.kind === 'not-found') {
      throw new GatewayError('NOT_FOUND', `No API operation at ${path}.`);
    }
    if (match.kind === 'method-not-allowed') {
      throw new GatewayError('METHOD_NOT_ALLOWED', `${c.req.method} is not allowed on ${path}; allowed: ${match.path.allow}.`, {
        headers: { allow: match.path.allow },
      });
    }
    c.set('route', match.route);
    c.set('pathParams', match.params);
    return next();
  });
}
