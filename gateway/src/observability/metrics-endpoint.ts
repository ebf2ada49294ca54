import type { Registry } from 'prom-client';
import type { createGatewayFactory } from '../env.ts';

/** GET /metrics: this gateway's registry in the Prometheus text exposition format. */
export function metricsHandler(factory: ReturnType<typeof createGatewayFactory>, registry: Registry) {
  return factory.createHandlers(async (c) =>
    c.body(await registry.metrics(), 200, { 'content-type': registry.contentType, 'cache-control': 'no-store' }),
  )[0];
}
