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
import { redactingOnError } from '@concord/service-runtime/src/logging/database-error-summary.ts';
import { requireCaller } from '@concord/service-runtime/src/tenancy/caller.ts';
import { withPartnerAttribute } from '@concord/service-runtime/src/tenancy/partner-events.ts';
import { defaultOnError, type ServiceDeps, type ServiceLifecycle } from '@concord/service-runtime/src/service-deps.ts';
import type { Hono } from 'hono';
import type { CustomerDirectory } from './customer-directory.ts';
import { createIdempotencyKeys } from './idempotency-keys.ts';
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
  /** How long a claimed Idempotency-Key stays in flight before another request may take it over; default 60 s. */
  idempotencyLeaseMs?: number;
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
  // Whatever the service reports (500s, relay errors) is logged without database row data.
  const onError = redactingOnError(deps.onError ?? defaultOnError);
  const clock = deps.clock ?? systemClock;
  const ids = deps.ids ?? randomIds;
  const repository = deps.repository ?? sqlOrderRepository;
  await runMigrations(deps.db, ordersMigrations);
  const outbox = withPartnerAttribute(createOutbox({ service: 'orders', schema: deps.db.schema, clock, ids }));
  const inventory = isReservations(deps.inventory)
    ? deps.inventory
    : createInventoryReservations(
        createInventoryV1Client({ baseUrl: deps.inventory.url, ...(deps.inventory.fetch ? { fetch: deps.inventory.fetch } : {}) }),
        { timeoutMs: deps.inventory.timeoutMs },
      );
  const idempotencyKeys = createIdempotencyKeys({ leaseMs: deps.idempotencyLeaseMs ?? 60_000 });
  const placeOrder = createPlaceOrder({
    db: deps.db,
    repository,
    idempotencyKeys,
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
  // Every order belongs to a partner: requests that name none (and are not internal) are 401.
  for (const path of ['/orders', '/orders/*']) app.use(path, requireCaller());
  registerOrdersV1(app, createOrdersHandlers({ db: deps.db, repository, outbox, clock, placeOrder }), {
    responseValidation: deps.responseValidation ?? 'report',
    onResponseMismatch: (operationId, status, errors) =>
      onError(new Error(`${operationId} ${status} breaks the contract: ${JSON.stringify(errors)}`), 'orders.contract'),
  });
  return { app, health, start: () => relay.start(), stop: () => relay.stop() };
}
