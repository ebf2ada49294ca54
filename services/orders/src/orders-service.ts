import { createInventoryV1Client } from '@concord/contracts/generated/inventory.v1/client.ts';
import { registerOrdersV1 } from '@concord/contracts/generated/orders.v1/server.ts';
import { systemClock } from '@concord/service-runtime/src/clock.ts';
import { runMigrations } from '@concord/service-runtime/src/database/migrations.ts';
import { createOutbox } from '@concord/service-runtime/src/events/outbox.ts';
import { createOutboxRelay } from '@concord/service-runtime/src/events/outbox-relay.ts';
import { relayReporting } from '@concord/service-runtime/src/events/relay-reporting.ts';
import { createServiceApp } from '@concord/service-runtime/src/http/service-app.ts';
import { createServiceHealth, type ServiceHealth } from '@concord/service-runtime/src/http/service-health.ts';
import { randomIds } from '@concord/service-runtime/src/ids.ts';
import { defaultOnError, type ServiceDeps, type ServiceLifecycle } from '@concord/service-runtime/src/service-deps.ts';
import type { Hono } from 'hono';
import type { CustomerDirectory } from './customer-directory.ts';
import { createInventoryReservations, type InventoryReservations } from './inventory-reservations.ts';
import { ordersMigrations } from './migrations.ts';
import { sqlOrderRepository, type OrderRepository } from './order-repository.ts';
import { createOrdersHandlers } from './orders-handlers.ts';
import { createPlaceOrder } from './place-order.ts';

export interface OrdersServiceDeps extends ServiceDeps {
  /** Inventory: a base URL (the generated client is built here) or a ready InventoryReservations. */
  inventory: { url: string; timeoutMs?: number; fetch?: typeof fetch } | InventoryReservations;
  /** Checks customer ids (422 for unknown ones); without it any well-formed id is accepted. */
  customers?: CustomerDirectory;
  /** Orders commit no later than this after reserving (ORDERS_COMMIT_DEADLINE_MS); default 10 s. */
  commitDeadlineMs?: number;
  /** Default: the SQL repository. Tests inject one that fails. */
  repository?: OrderRepository;
}

export interface OrdersService extends ServiceLifecycle {
  app: Hono;
  health: ServiceHealth;
}

function isReservations(value: OrdersServiceDeps['inventory']): value is InventoryReservations {
  return 'reserve' in value;
}

/** The orders system API: placing orders reserves stock synchronously; cancelling emits an event. */
export async function createOrdersService(deps: OrdersServiceDeps): Promise<OrdersService> {
  const onError = deps.onError ?? defaultOnError;
  const clock = deps.clock ?? systemClock;
  const ids = deps.ids ?? randomIds;
  const repository = deps.repository ?? sqlOrderRepository;
  await runMigrations(deps.db, ordersMigrations);
  const outbox = createOutbox({ service: 'orders', schema: deps.db.schema, clock, ids });
  const inventory = isReservations(deps.inventory)
    ? deps.inventory
    : createInventoryReservations(
        createInventoryV1Client({ baseUrl: deps.inventory.url, ...(deps.inventory.fetch ? { fetch: deps.inventory.fetch } : {}) }),
        { timeoutMs: deps.inventory.timeoutMs },
      );
  const placeOrder = createPlaceOrder({
    db: deps.db,
    repository,
    outbox,
    inventory,
    customers: deps.customers,
    clock,
    ids,
    onError,
    commitDeadlineMs: deps.commitDeadlineMs,
  });
  const health = createServiceHealth({ service: 'orders', db: deps.db, bus: deps.bus });
  const relay = createOutboxRelay({
    db: deps.db,
    bus: deps.bus,
    pollIntervalMs: deps.relayPollIntervalMs,
    ...relayReporting('orders.relay', { onError, failureCounter: health.relayFailures }),
  });
  const app = createServiceApp((err) => onError(err, 'orders.http'), deps.db, health);
  registerOrdersV1(app, createOrdersHandlers({ db: deps.db, repository, outbox, clock, placeOrder }), {
    responseValidation: deps.responseValidation ?? 'report',
    onResponseMismatch: (operationId, status, errors) =>
      onError(new Error(`${operationId} ${status} breaks the contract: ${JSON.stringify(errors)}`), 'orders.contract'),
  });
  return { app, health, start: () => relay.start(), stop: () => relay.stop() };
}
