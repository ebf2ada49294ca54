import { createCustomersV2Client } from '@concord/contracts/generated/customers.v2/client.ts';
import { createCustomersService, type CustomersService } from '@concord/service-customers/src/customers-service.ts';
import { createInventoryService, type InventoryService } from '@concord/service-inventory/src/inventory-service.ts';
import { createCustomerDirectory } from '@concord/service-orders/src/customer-directory.ts';
import { createOrdersService, type OrdersService } from '@concord/service-orders/src/orders-service.ts';
import type { Database } from '@concord/service-runtime/src/database/database.ts';
import { createPgliteDatabase } from '@concord/service-runtime/src/database/pglite-database.ts';
import type { EventBus } from '@concord/service-runtime/src/events/event-bus.ts';
import { createInProcessBus } from '@concord/service-runtime/src/events/in-process-bus.ts';
import { serveHttp, type HttpServerHandle } from '@concord/service-runtime/src/http/serve-http.ts';
import { Hono } from 'hono';
import { PACT_PARTNER, PARTNER_HEADER } from '../support/shapes.ts';

/**
 * The real system APIs for provider verification: each built by its own factory on an embedded
 * PGlite database (`memory://`), served on port 0, wired to each other over HTTP through the
 * generated clients exactly as `npm start` wires them. Responses are validated in `enforce` mode,
 * so a provider answering outside its own contract fails loudly here too.
 */
export interface RunningApi<S> {
  name: string;
  url: string;
  app: Hono;
  db: Database;
  service: S;
}

export interface SystemApis {
  bus: EventBus;
  customers?: RunningApi<CustomersService>;
  inventory?: RunningApi<InventoryService>;
  orders?: RunningApi<OrdersService>;
  close(): Promise<void>;
}

type Name = 'customers' | 'inventory' | 'orders';

export interface SystemApisOptions {
  /** A provider variant: `service` stops sending `field` (top level, and in each `data` item). */
  dropResponseField?: { service: Name; field: string };
}

/** Serves `app` with one JSON field removed from its responses: a provider that stopped sending it. */
function withoutField(app: Hono, field: string): Hono {
  const wrapper = new Hono();
  wrapper.all('*', async (c) => {
    const res = await app.fetch(c.req.raw);
    if (!(res.headers.get('content-type') ?? '').includes('json')) return res;
    const body = (await res.json()) as Record<string, unknown>;
    delete body[field];
    if (Array.isArray(body.data)) for (const item of body.data as Record<string, unknown>[]) delete item[field];
    const headers = new Headers(res.headers);
    headers.delete('content-length');
    return new Response(JSON.stringify(body), { status: res.status, headers });
  });
  return wrapper;
}

export async function startSystemApis(names: readonly Name[], options: SystemApisOptions = {}): Promise<SystemApis> {
  const closers: (() => Promise<void>)[] = [];
  const bus = createInProcessBus();
  closers.push(() => bus.close());
  const apis: SystemApis = {
    bus,
    async close() {
      for (const close of closers.reverse()) await close().catch(() => {});
      closers.length = 0;
    },
  };
  const common = { bus, responseValidation: 'enforce' as const, relayPollIntervalMs: 50, onError: () => {} };
  const open = async (schema: string) => {
    const db = await createPgliteDatabase({ dataDir: 'memory://', schema });
    closers.push(() => db.close());
    return db;
  };
  const serve = async <S extends { app: Hono; start(): Promise<void>; stop(): Promise<void> }>(
    name: string,
    db: Database,
    service: S,
  ): Promise<RunningApi<S>> => {
    await service.start();
    closers.push(() => service.stop());
    const drop = options.dropResponseField?.service === name ? options.dropResponseField.field : undefined;
    const server: HttpServerHandle = await serveHttp(drop ? withoutField(service.app, drop) : service.app, { port: 0 });
    closers.push(() => server.close());
    return { name, url: server.url, app: service.app, db, service };
  };
  try {
    const need = new Set<Name>(names);
    if (need.has('orders')) {
      need.add('inventory');
      need.add('customers');
    }
    if (need.has('inventory')) {
      const db = await open('inventory');
      apis.inventory = await serve('inventory', db, await createInventoryService({ ...common, db }));
    }
    if (need.has('customers')) {
      const db = await open('customers');
      apis.customers = await serve('customers', db, await createCustomersService({ ...common, db }));
    }
    if (need.has('orders')) {
      const db = await open('orders');
      const service = await createOrdersService({
        ...common,
        db,
        inventory: { url: apis.inventory!.url, timeoutMs: 5000 },
        customers: createCustomerDirectory(createCustomersV2Client({ baseUrl: apis.customers!.url }), { timeoutMs: 5000 }),
      });
      apis.orders = await serve('orders', db, service);
    }
    return apis;
  } catch (err) {
    await apis.close();
    throw err;
  }
}

/** Calls a service's own API (as a state handler sets data up) and fails loudly on an unexpected status. */
export async function callApi<T = Record<string, unknown>>(
  api: RunningApi<unknown>,
  method: string,
  path: string,
  body?: unknown,
  expected: number[] = [200, 201],
): Promise<T> {
  const res = await api.app.request(path, {
    method,
    // As the gateway would: the data a state sets up belongs to the partner the pacts act for.
    headers: { [PARTNER_HEADER]: PACT_PARTNER, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!expected.includes(res.status)) throw new Error(`provider state: ${api.name} ${method} ${path} answered ${res.status}: ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/**
 * The newest event of `type` in a service's outbox: the envelope the real outbox builder wrote, with
 * the bus subject the relay publishes it on as the message's `subject` metadata (Pact's message
 * metadata convention for providers).
 */
export async function latestOutboxEvent(
  api: RunningApi<unknown>,
  type: string,
): Promise<{ __pactMessageMetadata: { subject: string }; message: unknown }> {
  const { rows } = await api.db.query<{ envelope: Record<string, unknown> | string; bus_subject: string }>(
    'SELECT envelope, bus_subject FROM outbox WHERE event_type = $1 ORDER BY seq DESC LIMIT 1',
    [type],
  );
  const row = rows[0];
  if (!row) throw new Error(`${api.name} wrote no ${type} event to its outbox`);
  return {
    __pactMessageMetadata: { subject: row.bus_subject },
    message: typeof row.envelope === 'string' ? JSON.parse(row.envelope) : row.envelope,
  };
}

let counter = 0;
/** A unique email per state setup, so states never collide on the case-insensitive unique email. */
export function uniqueEmail(prefix = 'state'): string {
  return `${prefix}.${Date.now().toString(36)}${(counter++).toString(36)}@example.com`;
}
