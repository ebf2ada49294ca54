import { Gauge, type Registry } from 'prom-client';
import type { ApiConfig } from '../config/schema.ts';

export const SUNSET_METRIC = 'concord_api_sunset_timestamp_seconds';

/**
 * Publishes each API version's sunset date (from its `lifecycle`) as a gauge, so an alert can join
 * it with the traffic that version still gets (`concord_http_requests_total` carries the same
 * `api` and `version` labels). Called once per build: a reload that moves or drops a sunset date
 * replaces the series, and versions without a sunset have none.
 */
export function publishApiLifecycle(registry: Registry, apis: readonly ApiConfig[]): void {
  const gauge =
    (registry.getSingleMetric(SUNSET_METRIC) as Gauge<'api' | 'version'> | undefined) ??
    new Gauge({
      name: SUNSET_METRIC,
      help: 'When an API version stops answering (its lifecycle sunset date, RFC 8594), as Unix seconds',
      labelNames: ['api', 'version'] as const,
      registers: [registry],
    });
  gauge.reset();
  for (const api of apis) {
    if (!api.lifecycle.sunset) continue;
    // The contract name `customers.v1` gives the labels the request metrics use: api="customers", version="v1".
    const [name = api.contract, version = ''] = api.contract.split('.');
    gauge.set({ api: name, version }, Date.parse(api.lifecycle.sunset) / 1000);
  }
}
