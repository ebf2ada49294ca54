import { createCustomersV2Client } from '@concord/contracts/generated/customers.v2/client.ts';
import { createCustomersService, type CustomersService } from '@concord/service-customers/src/customers-service.ts';
import { createOrdersV1Client } from '@concord/contracts/generated/orders.v1/client.ts';
import { createInventoryService, type InventoryService } from '@concord/service-inventory/src/inventory-service.ts';
import { createOrderLookup, type OrderLookup } from '@concord/service-inventory/src/order-lookup.ts';
import type { ReaperConfig } from '@concord/service-inventory/src/reaper-config.ts';
import { createCustomerDirectory } from '@concord/service-orders/src/customer-directory.ts';
import { createOrdersService, type OrdersService } from '@concord/service-orders/src/orders-service.ts';
import type { Clock } from '@concord/service-runtime/src/clock.ts';
import type { Database } from '@concord/service-runtime/src/database/database.ts';
import { createPgDatabase } from '@concord/service-runtime/src/database/pg-database.ts';
import { defaultDataDir } from '@concord/service-runtime/src/database/open-database.ts';
import { createPgliteHost, type PgliteHost } from '@concord/service-runtime/src/database/pglite-host.ts';
import type { EventBus } from '@concord/service-runtime/src/events/event-bus.ts';
import { openBus } from '@concord/service-runtime/src/events/open-bus.ts';
import { type DrainOptions, serveHttp, type HttpServerHandle } from '@concord/service-runtime/src/http/serve-http.ts';
import type { IdGenerator } from '@concord/service-runtime/src/ids.ts';
import type { ServiceHealth } from '@concord/service-runtime/src/http/service-health.ts';
import { defaultOnError, type ServiceDeps } from '@concord/service-runtime/src/service-deps.ts';
import { loadWebhooksConfig } from '@concord/service-webhooks/src/config.ts';
import { createWebhooksService, type WebhooksSystemApi } from '@concord/service-webhooks/src/service.ts';

export type ServiceName = 'customers' | 'orders' | 'inventory' | 'webhooks';

export interface StartServicesOptions {
  /** Ports to listen on; 0 (the default) lets the OS choose, as tests should. */
  ports?: Partial<Record<ServiceName, number>>;
  hostname?: string;
  /** PostgreSQL; without it each service gets an embedded PGlite database. */
  databaseUrl?: string;
  /** The embedded database (one for all three, a schema each); default `<repo>/.data/services`. Tests: `memory://`. */
  dataDir?: string;
  /** Prepended to each service's schema name (`<prefix>customers`); tests use a random one. */
  schemaPrefix?: string;
  /** NATS JetStream; without it the services share one in-process bus. */
  natsUrl?: string;
  /** JetStream stream and subject prefix (default `CONCORD_EVENTS`, `concord`); tests use private ones. */
  stream?: string;
  subjectPrefix?: string;
  /** Ready-made dependencies win over the URLs above; the caller then owns (and closes) them. */
  bus?: EventBus;
  openDatabase?: (service: ServiceName) => Promise<Database>;
  clock?: Clock;
  ids?: IdGenerator;
  responseValidation?: ServiceDeps['responseValidation'];
  relayPollIntervalMs?: number;
  /** Timeout of orders' calls to inventory and customers; default 2000 ms. */
  upstreamTimeoutMs?: number;
  onError?: ServiceDeps['onError'];
  /** Let webhook endpoints point at loopback and private addresses (tests with local receivers); never in production. */
  allowPrivateNetworks?: boolean;
  /** Hears about lost database and bus connections that are being re-established. */
  onConnectionChange?: (detail: string) => void;
  /** Inventory's reservation reaper (it asks the orders started here); without it none runs. */
  reaper?: ReaperConfig;
  /** Orders' commit deadline (must stay well below the reaper's TTL); default 10 s. */
  commitDeadlineMs?: number;
  /** Told as each part is up (the embedded database, then each service), so a start-up can say where its time goes. */
  onStarted?: (step: StartedStep) => void;
}

/** One part of the stack that is up: what, where, and how long it took to get there. */
export interface StartedStep {
  name: string;
  /** A service's URL, or where the embedded database keeps its files. */
  where: string;
  ms: number;
}

export interface RunningServices {
  urls: Record<ServiceName, string>;
  bus: EventBus;
  databases: Record<ServiceName, Database>;
  services: { customers: CustomersService; orders: OrdersService; inventory: InventoryService; webhooks: WebhooksSystemApi };
  /** Stops serving, stops relays and consumers, closes what startServices opened itself. */
  close(): Promise<void>;
  /**
   * Graceful shutdown: every service turns unready and drains its HTTP server (see
   * HttpServerHandle.drain), then everything is closed. Resolves with the requests cut.
   */
  drain(options: DrainOptions): Promise<{ cut: number }>;
}

/**
 * The three system APIs in this process, wired to each other: orders calls inventory and
 * customers over HTTP through their generated clients, exactly as separate processes would.
 */
export async function startServices(options: StartServicesOptions = {}): Promise<RunningServices> {
  const owned: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const close of owned.reverse()) await close().catch(() => {});
    owned.length = 0;
  };
  try {
    const bus =
      options.bus ??
      (await openBus({
        url: options.natsUrl,
        stream: options.stream,
        subjectPrefix: options.subjectPrefix,
        onHandlerError: (err) => (options.onError ?? defaultOnError)(err, 'bus.handler'),
        ...(options.onConnectionChange
          ? { onConnectionChange: (_up: boolean, detail: string) => options.onConnectionChange?.(detail) }
          : {}),
      }));
    if (!options.bus) owned.push(() => bus.close());
    let host: PgliteHost | undefined;
    const open = async (service: ServiceName): Promise<Database> => {
      if (options.openDatabase) return options.openDatabase(service);
      const schema = `${options.schemaPrefix ?? ''}${service}`;
      if (options.databaseUrl) {
        const db = await createPgDatabase({
          url: options.databaseUrl,
          schema,
          onConnectionError: (err) =>
            options.onConnectionChange?.(
              `${service}: database connection lost, reconnecting: ${err instanceof Error ? err.message : String(err)}`,
            ),
        });
        owned.push(() => db.close());
        return db;
      }
      if (!host) {
        const started = performance.now();
        const dataDir = options.dataDir ?? defaultDataDir('services');
        const created = await createPgliteHost(dataDir);
        owned.push(() => created.close());
        host = created;
        options.onStarted?.({ name: 'database', where: dataDir, ms: performance.now() - started });
      }
      return host.database(schema);
    };
    const common = {
      bus,
      clock: options.clock,
      ids: options.ids,
      responseValidation: options.responseValidation,
      relayPollIntervalMs: options.relayPollIntervalMs,
      onError: options.onError,
    };
    const databases = {
      inventory: await open('inventory'),
      customers: await open('customers'),
      orders: await open('orders'),
      webhooks: await open('webhooks'),
    };
    const servers: { server: HttpServerHandle; health: ServiceHealth }[] = [];
    const serve = async (
      name: ServiceName,
      service: { app: Parameters<typeof serveHttp>[0]; health: ServiceHealth; start(): Promise<void>; stop(): Promise<void> },
      started: number,
    ): Promise<HttpServerHandle> => {
      await service.start();
      owned.push(() => service.stop());
      const server = await serveHttp(service.app, { port: options.ports?.[name] ?? 0, hostname: options.hostname });
      owned.push(() => server.close());
      servers.push({ server, health: service.health });
      options.onStarted?.({ name, where: server.url, ms: performance.now() - started });
      return server;
    };

    // Inventory starts first (orders calls it), so its reaper asks an orders that starts later.
    let ordersLookup: OrderLookup | undefined;
    const reaper = options.reaper && {
      ...options.reaper,
      orders: {
        find: (orderId: string, partner?: string) =>
          ordersLookup ? ordersLookup.find(orderId, partner) : Promise.reject(new Error('orders is not started yet')),
      },
    };
    let started = performance.now();
    const inventory = await createInventoryService({ ...common, db: databases.inventory, ...(reaper ? { reaper } : {}) });
    const inventoryServer = await serve('inventory', inventory, started);
    started = performance.now();
    const customers = await createCustomersService({ ...common, db: databases.customers });
    const customersServer = await serve('customers', customers, started);
    started = performance.now();
    const timeoutMs = options.upstreamTimeoutMs;
    const orders = await createOrdersService({
      ...common,
      db: databases.orders,
      inventory: { url: inventoryServer.url, timeoutMs },
      customers: createCustomerDirectory(createCustomersV2Client({ baseUrl: customersServer.url }), { timeoutMs }),
      ...(options.commitDeadlineMs ? { commitDeadlineMs: options.commitDeadlineMs } : {}),
    });
    const ordersServer = await serve('orders', orders, started);
    ordersLookup = createOrderLookup(createOrdersV1Client({ baseUrl: ordersServer.url }), { timeoutMs });
    // Partner webhooks: consumes the public events from the same bus and delivers them.
    started = performance.now();
    const webhooks = await createWebhooksService({
      ...common,
      db: databases.webhooks,
      ...(options.allowPrivateNetworks ? { config: { ...loadWebhooksConfig(), blockPrivateNetworks: false } } : {}),
    });
    const webhooksServer = await serve('webhooks', webhooks, started);

    return {
      urls: { customers: customersServer.url, orders: ordersServer.url, inventory: inventoryServer.url, webhooks: webhooksServer.url },
      bus,
      databases,
      services: { customers, orders, inventory, webhooks },
      close: closeAll,
      async drain(drainOptions) {
        for (const { health } of servers) health.setDraining();
        const results = await Promise.all(servers.map(({ server }) => server.drain(drainOptions)));
        await closeAll();
        return { cut: results.reduce((sum, r) => sum + r.cut, 0) };
      },
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
