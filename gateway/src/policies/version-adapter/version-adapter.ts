/**
 * The pipeline step around the upstream call for routes with an adapter: the validated public
 * request body becomes the upstream version's (new bytes), and the buffered upstream JSON response
 * becomes the public version's (a new c.res with the same status and headers).
 */
import type { createGatewayFactory } from '../../env.ts';
import type { VersionAdapter } from '../../adapters/version-adapter.ts';

const encoder = new TextEncoder();

export function versionAdapter(factory: ReturnType<typeof createGatewayFactory>, adapters: Readonly<Record<string, VersionAdapter>>) {
  return factory.createMiddleware(async function versionAdapter(c, next) {
    const route = c.get('route');
    const adapter = route.adapter === undefined ? undefined : adapters[route.adapter];
    if (!adapter) return next();

    const json = c.get('requestJson');
    if (json !== undefined) {
      const adapted = adapter.request(route.operationId, json);
      c.set('requestJson', adapted);
      c.set('requestBody', encoder.encode(JSON.stringify(adapted)));
    }
    await next();

    const body = c.get('responseJson');
    if (body === undefined) return;
    const adapted = adapter.response(route.operationId, c.res.status, body);
    if (adapted === body) return;
    c.set('responseJson', adapted);
    c.res = new Response(JSON.stringify(adapted), { status: c.res.status, headers: c.res.headers });
  });
}
