import { registerCustomersV2 } from '@concord/contracts/generated/customers.v2/server.ts';
import { systemClock } from '@concord/service-runtime/src/clock.ts';
import { runMigrations } from '@concord/service-runtime/src/database/migrations.ts';
import { createOutbox } from '@concord/service-runtime/src/events/outbox.ts';
import { createOutboxRelay } from '@concord/service-runtime/src/events/outbox-relay.ts';
import { relayReporting } from '@concord/service-runtime/src/events/relay-reporting.ts';
import { createServiceApp } from '@concord/service-runtime/src/http/service-app.ts';
import { createServiceHealth, type ServiceHealth } from '@concord/service-runtime/src/http/service-health.ts';
import { randomIds } from '@concord/service-runtime/src/ids.ts';
import { redactingOnError } from '@concord/service-runtime/src/logging/database-error-summary.ts';
import { requireCaller } from '@concord/service-runtime/src/tenancy/caller.ts';
import { withPartnerAttribute } from '@concord/service-runtime/src/tenancy/partner-events.ts';
import { defaultOnError, type ServiceDeps, type ServiceLifecycle } from '@concord/service-runtime/src/service-deps.ts';
import type { Hono } from 'hono';
import { createCustomersHandlers } from './customers-handlers.ts';
import { customersMigrations } from './migrations.ts';

export interface CustomersService extends ServiceLifecycle {
  app: Hono;
  health: ServiceHealth;
}

/**
 * The customers system API (customers.v2, natively). Migrations run here, before the first route
 * can be served; the outbox relay runs between start() and stop().
 */
export async function createCustomersService(deps: ServiceDeps): Promise<CustomersService> {
  // Whatever the service reports (500s, relay errors) is logged without database row data.
  const onError = redactingOnError(deps.onError ?? defaultOnError);
  const clock = deps.clock ?? systemClock;
  const ids = deps.ids ?? randomIds;
  await runMigrations(deps.db, customersMigrations);
  const outbox = withPartnerAttribute(createOutbox({ service: 'customers', schema: deps.db.schema, clock, ids }));
  const health = createServiceHealth({ service: 'customers', db: deps.db, bus: deps.bus });
  const relay = createOutboxRelay({
    db: deps.db,
    bus: deps.bus,
    pollIntervalMs: deps.relayPollIntervalMs,
    ...relayReporting('customers.relay', { onError, failureCounter: health.relayFailures }),
  });
  const app = createServiceApp((err) => onError(err, 'customers.http'), deps.db, health);
  // Every customer belongs to a partner: requests that name none (and are not internal) are 401.
  for (const path of ['/customers', '/customers/*']) app.use(path, requireCaller());
  registerCustomersV2(app, createCustomersHandlers({ db: deps.db, outbox, clock, ids }), {
    responseValidation: deps.responseValidation ?? 'report',
    onResponseMismatch: (operationId, status, errors) =>
      onError(new Error(`${operationId} ${status} breaks the contract: ${JSON.stringify(errors)}`), 'customers.contract'),
  });
  return { app, health, start: () => relay.start(), stop: () => relay.stop() };
}
