import { registerInventoryV1 } from '@concord/contracts/generated/inventory.v1/server.ts';
import { systemClock } from '@concord/service-runtime/src/clock.ts';
import { runMigrations } from '@concord/service-runtime/src/database/migrations.ts';
import { consumerLatency } from '@concord/service-runtime/src/events/consumer-latency.ts';
import type { BusHandler, BusSubscription } from '@concord/service-runtime/src/events/event-bus.ts';
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
import { createInventoryHandlers } from './inventory-handlers.ts';
import { inventoryMigrations } from './migrations.ts';
import { createOrderCancelledConsumer, ORDER_CANCELLED_SUBJECT } from './order-cancelled-consumer.ts';
import type { OrderLookup } from './order-lookup.ts';
import type { ReaperConfig } from './reaper-config.ts';
import { reaperMigrations } from './reaper-migrations.ts';
import { createReservationReaper } from './reservation-reaper.ts';
import { createStockLedger, type StockLedger } from './stock-ledger.ts';

export interface InventoryServiceDeps extends ServiceDeps {
  /** Durable name of the order.cancelled subscription; default `inventory`. */
  durable?: string;
  /** Releases reservations whose order never committed; without it no reaper runs (tests). */
  reaper?: ReaperConfig & { orders: OrderLookup };
}

export interface InventoryService extends ServiceLifecycle {
  app: Hono;
  health: ServiceHealth;
  ledger: StockLedger;
  /** The bus handler for order.cancelled, exposed so tests can deliver an event twice. */
  onOrderCancelled: BusHandler & { applied(): number };
}

/** The inventory system API: stock, reservations, and the order.cancelled consumer. */
export async function createInventoryService(deps: InventoryServiceDeps): Promise<InventoryService> {
  // Whatever the service reports (500s, relay and consumer errors) is logged without row data.
  const onError = redactingOnError(deps.onError ?? defaultOnError);
  const clock = deps.clock ?? systemClock;
  await runMigrations(deps.db, [...inventoryMigrations, ...reaperMigrations]);
  const outbox = withPartnerAttribute(createOutbox({ service: 'inventory', schema: deps.db.schema, clock, ids: deps.ids ?? randomIds }));
  const ledger = createStockLedger({ db: deps.db, outbox, clock });
  const health = createServiceHealth({ service: 'inventory', db: deps.db, bus: deps.bus });
  const relay = createOutboxRelay({
    db: deps.db,
    bus: deps.bus,
    pollIntervalMs: deps.relayPollIntervalMs,
    ...relayReporting('inventory.relay', { onError, failureCounter: health.relayFailures }),
  });
  const reaper =
    deps.reaper &&
    createReservationReaper({ ...deps.reaper, db: deps.db, ledger, onError: (err) => onError(err, 'inventory.reaper'), log: console.log });
  const onOrderCancelled = createOrderCancelledConsumer({
    db: deps.db,
    ledger,
    onInvalid: (detail) => onError(new Error(detail), 'inventory.consumer'),
    latency: consumerLatency(health.registry),
    clock,
  });
  const app = createServiceApp((err) => onError(err, 'inventory.http'), deps.db, health);
  // Stock is shared, but only identified callers (a partner, or internal) reach any of it.
  for (const path of ['/stock', '/stock/*', '/reservations', '/reservations/*']) app.use(path, requireCaller());
  registerInventoryV1(app, createInventoryHandlers({ db: deps.db, ledger, clock }), {
    responseValidation: deps.responseValidation ?? 'report',
    onResponseMismatch: (operationId, status, errors) =>
      onError(new Error(`${operationId} ${status} breaks the contract: ${JSON.stringify(errors)}`), 'inventory.contract'),
  });

  let subscription: BusSubscription | undefined;
  return {
    app,
    health,
    ledger,
    onOrderCancelled,
    async start() {
      await relay.start();
      await reaper?.start();
      subscription = await deps.bus.subscribe({
        durable: deps.durable ?? 'inventory',
        subjects: [ORDER_CANCELLED_SUBJECT],
        handler: onOrderCancelled,
      });
    },
    async stop() {
      await reaper?.stop();
      await subscription?.close();
      subscription = undefined;
      await relay.stop();
    },
  };
}
