import type { createGatewayFactory } from '../../env.ts';
import { addResponseHeaders, applyResponseHeaders, responseHeader } from '../../response-headers.ts';

/**
 * Headers every response carries, whoever produced it (an upstream, the gateway's own endpoints, an
 * error): `X-Content-Type-Options: nosniff`, so a browser never runs an API answer as another type,
 * and `Referrer-Policy: no-referrer`, so URLs with ids in them do not leak to other sites. An
 * authenticated answer that sets no caching of its own is `Cache-Control: no-store`: it is one
 * partner's data, and no shared cache may keep it (the proxy applies the same default when it builds
 * the upstream's response; see proxiedResponse).
 */
const ALWAYS = { 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' } as const;

export function securityHeaders(factory: ReturnType<typeof createGatewayFactory>) {
  return factory.createMiddleware(async function securityHeaders(c, next) {
    addResponseHeaders(c, ALWAYS);
    await next();
    applyResponseHeaders(c, ALWAYS);
    if (c.get('principal') !== undefined && responseHeader(c, 'cache-control') === undefined) {
      applyResponseHeaders(c, { 'cache-control': 'no-store' });
    }
  });
}
