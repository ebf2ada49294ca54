import { Registry } from 'prom-client';
import type { Database } from '@concord/service-runtime/src/database/database.ts';
import { createPgliteDatabase } from '@concord/service-runtime/src/database/pglite-database.ts';
import type { EventBus } from '@concord/service-runtime/src/events/event-bus.ts';
import { createInProcessBus } from '@concord/service-runtime/src/events/in-process-bus.ts';
import type { WebhooksConfig } from '../config.ts';
import { startWebhooksService, type WebhooksService } from '../service.ts';

/** Settings for tests: a compressed retry schedule, short timeouts and leases. */
export function testConfig(overrides: Partial<WebhooksConfig> = {}): WebhooksConfig {
  return {
    port: 0,
    host: '127.0.0.1',
    production: false,
    blockPrivateNetworks: false,
    blockedHosts: [],
    dispatcher: true,
    retry: { scheduleMs: [0, 50, 100, 200], jitter: 0.2, maxRetryAfterMs: 5_000 },
    timeoutMs: 1_000,
    perEndpointConcurrency: 8,
    maxInFlight: 256,
    leaseMs: 5_000,
    disableAfterMs: 3600_000,
    secretOverlapMs: 3600_000,
    pollIntervalMs: 25,
    ...overrides,
  };
}

export interface TestWebhooks {
  service: WebhooksService;
  db: Database;
  bus: EventBus;
  /** Calls the API as the gateway would, with the partner header (omit it with partner: null). */
  api(method: string, path: string, body?: unknown, partner?: string | null): Promise<{ status: number; body: any; headers: Headers }>;
  publish(subject: string, event: { id: string }): Promise<void>;
  close(): Promise<void>;
}

/** The service on the embedded defaults (in-memory PGlite, in-process bus), or on what is passed in. */
export async function startTestWebhooks(
  options: { config?: Partial<WebhooksConfig>; db?: Database; bus?: EventBus } = {},
): Promise<TestWebhooks> {
  const db = options.db ?? (await createPgliteDatabase({ dataDir: 'memory://', schema: 'webhooks' }));
  const bus = options.bus ?? createInProcessBus({ redeliveryDelayMs: 20 });
  const service = await startWebhooksService(testConfig(options.config), {
    db,
    bus,
    registry: new Registry(),
    listen: false,
    log: () => {},
    responseValidation: 'enforce',
  });
  return {
    service,
    db,
    bus,
    async api(method, path, body, partner = 'partner-a') {
      const headers: Record<string, string> = {};
      if (partner !== null) headers['x-concord-partner'] = partner;
      if (body !== undefined) headers['content-type'] = 'application/json';
      const res = await service.app.request(path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
    },
    async publish(subject, event) {
      await bus.publish(subject, event, { msgId: event.id });
    },
    async close() {
      await service.close();
      if (!options.bus) await bus.close();
      if (!options.db) await db.close();
    },
  };
}
