/** A minimal app for testing one pipeline step: request context and route match, the step, a terminal handler. */
import { Hono, type Handler, type MiddlewareHandler } from 'hono';
import { createGatewayFactory, type GatewayEnv } from '../env.ts';
import { requestContext } from '../policies/request-context/request-context.ts';
import { routeMatch } from '../policies/route-match/route-match.ts';
import { createErrorHandler, createNotFoundHandler } from '../problem-response.ts';
import { buildRouteTable } from '../routes.ts';
import type { GatewayConfig } from '../config/schema.ts';
import { configFrom, customersConfig, testDeps } from './test-gateway.ts';

export const factory = createGatewayFactory();

export function policyApp(
  steps: (config: GatewayConfig) => MiddlewareHandler<GatewayEnv>[],
  terminal: Handler<GatewayEnv> = (c) => c.json({ ok: true }),
  config: GatewayConfig = configFrom(customersConfig('http://127.0.0.1:9')),
): Hono<GatewayEnv> {
  const app = new Hono<GatewayEnv>();
  app.onError(createErrorHandler(testDeps()));
  app.notFound(createNotFoundHandler());
  app.use('*', requestContext(factory));
  app.use('*', routeMatch(factory, buildRouteTable(config)));
  for (const step of steps(config)) app.use('*', step);
  app.all('*', terminal);
  return app;
}
