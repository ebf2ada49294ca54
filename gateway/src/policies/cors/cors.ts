/**
 * CORS per API, compiled once: exact origins (or "*"), preflights answered by the gateway without
 * touching the upstream, Vary: Origin whenever the answer depends on the origin.
 */
import type { ApiConfig, CorsConfig } from '../../config/schema.ts';
import type { createGatewayFactory } from '../../env.ts';
import { requestHeader } from '../../request-headers.ts';
import type { PipelineStep } from '../../route-pipeline.ts';

interface CompiledCors {
  anyOrigin: boolean;
  origins: ReadonlySet<string>;
  allowHeaders: string;
  exposeHeaders: string;
  credentials: boolean;
  maxAge: string;
}

function compile(config: CorsConfig): CompiledCors {
  if (config.allowCredentials && config.allowOrigins.includes('*')) {
    throw new Error('cors: allowCredentials cannot be combined with allowOrigins "*" (browsers refuse it)');
  }
  return {
    anyOrigin: config.allowOrigins.includes('*'),
    origins: new Set(config.allowOrigins),
    allowHeaders: config.allowHeaders.join(', '),
    exposeHeaders: config.exposeHeaders.join(', '),
    credentials: config.allowCredentials,
    maxAge: String(config.maxAgeSeconds),
  };
}

/**
 * The pipeline step. Once any API allows CORS it is on every route, because a preflight to an API
 * without CORS gets the bare 204 that says no; with no CORS anywhere no chain holds it.
 */
export function cors(factory: ReturnType<typeof createGatewayFactory>, apis: readonly ApiConfig[]): PipelineStep {
  const byApi = new Map<string, CompiledCors>();
  for (const api of apis) if (api.cors) byApi.set(`${api.basePath} ${api.contract}`, compile(api.cors));

  const perRoute = new WeakMap<object, CompiledCors | null>();
  const handler = factory.createMiddleware(async function cors(c, next) {
    const origin = requestHeader(c, 'origin');
    // byApi.size only where the step is mounted outside a compiled chain (its tests).
    if (!origin || byApi.size === 0) return next();
    const route = c.get('route');
    let policy = perRoute.get(route);
    if (policy === undefined) perRoute.set(route, (policy = byApi.get(`${route.basePath} ${route.contract}`) ?? null));
    const allowed = policy !== null && (policy.anyOrigin || policy.origins.has(origin));
    const isPreflight = c.req.method === 'OPTIONS' && requestHeader(c, 'access-control-request-method') !== undefined;

    if (isPreflight) {
      const headers: Record<string, string> = { vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers' };
      if (allowed && policy) {
        headers['access-control-allow-origin'] = policy.anyOrigin && !policy.credentials ? '*' : origin;
        headers['access-control-allow-methods'] = route.method;
        headers['access-control-allow-headers'] = policy.allowHeaders;
        headers['access-control-max-age'] = policy.maxAge;
        if (policy.credentials) headers['access-control-allow-credentials'] = 'true';
      }
      return c.body(null, 204, headers);
    }

    await next();
    if (!allowed || !policy) return;
    const h = c.res.headers;
    h.set('access-control-allow-origin', policy.anyOrigin && !policy.credentials ? '*' : origin);
    if (policy.exposeHeaders) h.set('access-control-expose-headers', policy.exposeHeaders);
    if (policy.credentials) h.set('access-control-allow-credentials', 'true');
    if (!policy.anyOrigin) h.append('vary', 'Origin');
  });
  return { name: 'cors', handler, appliesTo: () => byApi.size > 0 };
}
