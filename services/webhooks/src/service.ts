import { redactingOnError } from '@concord/service-runtime/src/logging/database-error-summary.ts';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Registry } from 'prom-client';
import type { Database } from '@concord/service-runtime/src/database/database.ts';
import { runMigrations } from '@concord/service-runtime/src/database/migrations.ts';
import { openDatabase } from '@concord/service-runtime/src/database/open-database.ts';
import type { BusSubscription, EventBus } from '@concord/service-runtime/src/events/event-bus.ts';
import { openBus } from '@concord/service-runtime/src/events/open-bus.ts';
import { createServiceHealth, type ServiceHealth } from '@concord/service-runtime/src/http/service-health.ts';
import { randomIds } from '@concord/service-runtime/src/ids.ts';
import type { ServiceDeps, ServiceLifecycle } from '@concord/service-runtime/src/service-deps.ts';
import { buildWebhooksApp } from './app.ts';
import { loadWebhooksConfig, PRIVATE_NETWORKS_ALLOWED_WARNING, type WebhooksConfig } from './config.ts';
import { createFanOut, DISPATCHER_CONSUMER, publicEventSubjects } from './dispatcher/fan-out.ts';
import { createWebhookSender, type WebhookSender } from './dispatcher/send.ts';
import { WebhookDispatcher } from './dispatcher/webhook-dispatcher.ts';
import { createWebhookMetrics } from './observability/metrics.ts';
import { createIntegrationCounts } from './store/integration-counts.ts';
import { webhookMigrations } from './store/migrations.ts';
import { createSubscriptionStore } from './store/subscription-store.ts';

/**
 * Events fanned out per statement at most. A batch is what the bus already holds, so this only
 * bounds a backlog's statements (256 events x a few subscriptions each is a few thousand rows).
 */
const FAN_OUT_BATCH = 256;

export interface WebhooksServiceDeps extends ServiceDeps {
  /** Dispatcher and API settings; default: from the environment. */
  config?: WebhooksConfig;
  /** The registry /metrics serves; default a fresh one (never the global). */
  registry?: Registry;
  sender?: WebhookSender;
}

export interface WebhooksSystemApi extends ServiceLifecycle {
  app: ReturnType<typeof buildWebhooksApp>;
  registry: Registry;
  health: ServiceHealth;
  dispatcher: WebhookDispatcher | undefined;
}

/**
 * The webhooks system API, shaped like the other services for the stack: migrations run here; the
 * bus consumer (fan-out) and the dispatcher run between start() and stop(). The database and the
 * bus belong to the caller.
 */
export async function createWebhooksService(deps: WebhooksServiceDeps): Promise<WebhooksSystemApi> {
  const config = deps.config ?? loadWebhooksConfig();
  if (!deps.config && !config.blockPrivateNetworks) console.warn(PRIVATE_NETWORKS_ALLOWED_WARNING);
  // Database errors reach the log as their SQLSTATE, table and constraint, never with row data.
  const onError = redactingOnError(deps.onError ?? ((err: unknown, where: string) => console.error(`[${where}]`, err)));
  const clock = deps.clock ?? { now: () => new Date() };
  const { db, bus } = deps;
  await runMigrations(db, webhookMigrations);
  const registry = deps.registry ?? new Registry();
  const health = createServiceHealth({ service: 'webhooks', db, bus, registry });

  let dispatcher: WebhookDispatcher | undefined;
  const metrics = createWebhookMetrics(
    registry,
    {
      deadLetters: () => dispatcher?.deadLetterDepths() ?? Promise.resolve(new Map()),
      pending: () => dispatcher?.pendingCount() ?? Promise.resolve(0),
    },
    createIntegrationCounts(db),
  );
  if (config.dispatcher) {
    dispatcher = new WebhookDispatcher({
      db,
      retry: config.retry,
      timeoutMs: config.timeoutMs,
      perEndpointConcurrency: config.perEndpointConcurrency,
      blockPrivateNetworks: config.blockPrivateNetworks,
      blockedHosts: config.blockedHosts,
      maxInFlight: config.maxInFlight,
      leaseMs: config.leaseMs,
      disableAfterMs: config.disableAfterMs,
      pollIntervalMs: config.pollIntervalMs,
      metrics,
      clock,
      ...(deps.sender ? { sender: deps.sender } : {}),
      onError: (err) => onError(err, 'webhooks.dispatcher'),
    });
  }
  const fanOut = createFanOut({
    db,
    clock,
    onInvalid: (message, reason) =>
      onError(
        new Error(`event ${message.msgId} on ${message.subject} breaks the contract and is not delivered: ${reason}`),
        'webhooks.fan-out',
      ),
    onFannedOut: (deliveries, eventTime) => {
      metrics.consumerLag.set(Math.max(0, (clock.now().getTime() - eventTime.getTime()) / 1000));
      if (deliveries > 0) dispatcher?.wake();
    },
  });

  // Test events go out through their own pool, made on the first one: the dispatcher's sender is
  // its own to close, and most deployments never send a test event.
  let testSender: WebhookSender | undefined;
  const senderForTests = () =>
    (testSender ??=
      deps.sender ??
      createWebhookSender({
        timeoutMs: config.timeoutMs,
        connections: 2,
        blockPrivateNetworks: config.blockPrivateNetworks,
        blockedHosts: config.blockedHosts,
      }));

  const app = buildWebhooksApp({
    db,
    registry,
    store: createSubscriptionStore(db, clock),
    ids: deps.ids ?? randomIds,
    production: config.production,
    blockPrivateNetworks: config.blockPrivateNetworks,
    blockedHosts: config.blockedHosts,
    secretOverlapMs: config.secretOverlapMs,
    publicBasePath: '',
    responseValidation: deps.responseValidation ?? 'report',
    onQueued: () => dispatcher?.wake(),
    testSender: senderForTests,
    now: () => clock.now(),
    onUnexpected: (err) => onError(err, 'webhooks.http'),
    health,
  });

  let subscription: BusSubscription | undefined;
  return {
    app,
    registry,
    health,
    dispatcher,
    async start() {
      if (!dispatcher || subscription) return;
      dispatcher.start();
      subscription = await bus.subscribe({
        durable: DISPATCHER_CONSUMER,
        subjects: publicEventSubjects,
        batchHandler: fanOut.batch,
        maxBatch: FAN_OUT_BATCH,
      });
    },
    async stop() {
      await subscription?.close();
      subscription = undefined;
      await dispatcher?.stop();
      if (testSender && testSender !== deps.sender) await testSender.close();
      testSender = undefined;
    },
  };
}

export interface StartWebhooksOptions extends Partial<Omit<WebhooksServiceDeps, 'config' | 'onError'>> {
  /** Where errors the service survives are reported; default stderr. */
  log?: (message: string, err?: unknown) => void;
  /** Default true. Tests that drive the app in-process leave HTTP off. */
  listen?: boolean;
}

export interface WebhooksService extends WebhooksSystemApi {
  db: Database;
  bus: EventBus;
  /** `http://127.0.0.1:<port>` when listening. */
  url: string | undefined;
  close(): Promise<void>;
}

/** The service as its own process (or a test's): opens what it was not given, serves HTTP, closes in reverse. */
export async function startWebhooksService(config: WebhooksConfig, options: StartWebhooksOptions = {}): Promise<WebhooksService> {
  const log = options.log ?? ((message: string, err?: unknown) => console.error(`[webhooks] ${message}`, err ?? ''));
  const db =
    options.db ??
    (await openDatabase({
      service: 'webhooks',
      url: config.databaseUrl,
      ...(config.dataDir ? { dataDir: config.dataDir } : {}),
      ...(config.dbSchema ? { schema: config.dbSchema } : {}),
    }));
  const bus =
    options.bus ??
    (await openBus({
      ...(config.natsUrl ? { url: config.natsUrl } : {}),
      ...(config.natsStream ? { stream: config.natsStream } : {}),
      ...(config.natsSubjectPrefix ? { subjectPrefix: config.natsSubjectPrefix } : {}),
      onHandlerError: (err) => log('fan-out failed; the event will be redelivered', err),
    }));
  const service = await createWebhooksService({ ...options, db, bus, config, onError: (err, where) => log(where, err) });
  await service.start();

  let server: ServerType | undefined;
  let url: string | undefined;
  if (options.listen !== false) {
    server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: service.app.fetch, port: config.port, hostname: config.host }, () => resolve(s));
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  return {
    ...service,
    db,
    bus,
    url,
    async close() {
      if (server) {
        const s = server;
        if ('closeAllConnections' in s) s.closeAllConnections();
        await new Promise<void>((resolve) => s.close(() => resolve()));
      }
      await service.stop();
      if (!options.bus) await bus.close();
      if (!options.db) await db.close();
    },
  };
}
