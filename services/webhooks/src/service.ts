import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Registry } from 'prom-client';
import type { Database } from '@concord/service-runtime/src/database/database.ts';
import { runMigrations } from '@concord/service-runtime/src/database/migrations.ts';
import { openDatabase } from '@concord/service-runtime/src/database/open-database.ts';
import type { BusSubscription, EventBus } from '@concord/service-runtime/src/events/event-bus.ts';
import { openBus } from '@concord/service-runtime/src/events/open-bus.ts';
import { randomIds, type IdGenerator } from '@concord/service-runtime/src/ids.ts';
import { buildWebhooksApp } from './app.ts';
import type { WebhooksConfig } from './config.ts';
import { createFanOut, DISPATCHER_CONSUMER, publicEventSubjects } from './dispatcher/fan-out.ts';
import type { WebhookSender } from './dispatcher/send.ts';
import { WebhookDispatcher } from './dispatcher/webhook-dispatcher.ts';
import { createWebhookMetrics } from './observability/metrics.ts';
import { webhookMigrations } from './store/migrations.ts';
import { createSubscriptionStore } from './store/subscription-store.ts';

export interface WebhooksServiceDeps {
  /** An open database (tests: a private schema); otherwise opened from the config. */
  db?: Database;
  /** A bus shared with the producing services (the in-process bus of `npm start`); otherwise opened from the config. */
  bus?: EventBus;
  registry?: Registry;
  ids?: IdGenerator;
  clock?: { now(): Date };
  sender?: WebhookSender;
  /** Where errors the service survives are reported; default stderr. */
  log?: (message: string, err?: unknown) => void;
  /** Default true. Tests that only drive the API or the dispatcher leave HTTP off. */
  listen?: boolean;
}

export interface WebhooksService {
  app: ReturnType<typeof buildWebhooksApp>;
  db: Database;
  bus: EventBus;
  registry: Registry;
  dispatcher: WebhookDispatcher | undefined;
  /** `http://127.0.0.1:<port>` when listening. */
  url: string | undefined;
  close(): Promise<void>;
}

/** Migrations, the API, the bus consumer and the dispatcher: one process, stopped in reverse order. */
export async function startWebhooksService(config: WebhooksConfig, deps: WebhooksServiceDeps = {}): Promise<WebhooksService> {
  const log = deps.log ?? ((message: string, err?: unknown) => console.error(`[webhooks] ${message}`, err ?? ''));
  const clock = deps.clock ?? { now: () => new Date() };
  const ownsDb = !deps.db;
  const db = deps.db ?? (await openDatabase({ service: 'webhooks', url: config.databaseUrl, ...(config.dataDir ? { dataDir: config.dataDir } : {}), ...(config.dbSchema ? { schema: config.dbSchema } : {}) }));
  await runMigrations(db, webhookMigrations);
  const ownsBus = !deps.bus;
  const bus =
    deps.bus ??
    (await openBus({
      ...(config.natsUrl ? { url: config.natsUrl } : {}),
      ...(config.natsStream ? { stream: config.natsStream } : {}),
      ...(config.natsSubjectPrefix ? { subjectPrefix: config.natsSubjectPrefix } : {}),
      onHandlerError: (err) => log('fan-out failed; the event will be redelivered', err),
    }));
  const registry = deps.registry ?? new Registry();

  let dispatcher: WebhookDispatcher | undefined;
  const metrics = createWebhookMetrics(registry, {
    deadLetters: () => dispatcher?.deadLetterDepths() ?? Promise.resolve(new Map()),
    pending: () => dispatcher?.pendingCount() ?? Promise.resolve(0),
  });

  let subscription: BusSubscription | undefined;
  if (config.dispatcher) {
    dispatcher = new WebhookDispatcher({
      db,
      retry: config.retry,
      timeoutMs: config.timeoutMs,
      perEndpointConcurrency: config.perEndpointConcurrency,
      maxInFlight: config.maxInFlight,
      leaseMs: config.leaseMs,
      disableAfterMs: config.disableAfterMs,
      pollIntervalMs: config.pollIntervalMs,
      metrics,
      clock,
      ...(deps.sender ? { sender: deps.sender } : {}),
      onError: (err) => log('dispatcher round failed; retrying', err),
    });
    dispatcher.start();
    const fanOut = createFanOut({
      db,
      clock,
      onInvalid: (message, reason) => log(`event ${message.msgId} on ${message.subject} breaks the contract and is not delivered: ${reason}`),
      onFannedOut: (deliveries, eventTime) => {
        metrics.consumerLag.set(Math.max(0, (clock.now().getTime() - eventTime.getTime()) / 1000));
        if (deliveries > 0) dispatcher?.wake();
      },
    });
    subscription = await bus.subscribe({ durable: DISPATCHER_CONSUMER, subjects: publicEventSubjects, handler: fanOut });
  }

  const store = createSubscriptionStore(db, clock);
  const app = buildWebhooksApp({
    db,
    registry,
    store,
    ids: deps.ids ?? randomIds,
    production: config.production,
    secretOverlapMs: config.secretOverlapMs,
    publicBasePath: '',
    onQueued: () => dispatcher?.wake(),
    onUnexpected: (err) => log('request failed', err),
  });

  let server: ServerType | undefined;
  let url: string | undefined;
  if (deps.listen !== false) {
    server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () => resolve(s));
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  return {
    app,
    db,
    bus,
    registry,
    dispatcher,
    url,
    async close() {
      if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
      await subscription?.close();
      await dispatcher?.stop();
      if (ownsBus) await bus.close();
      if (ownsDb) await db.close();
    },
  };
}
