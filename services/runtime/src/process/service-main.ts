import type { Hono } from 'hono';
import type { Database } from '../database/database.ts';
import { openDatabase } from '../database/open-database.ts';
import type { EventBus } from '../events/event-bus.ts';
import { openBus } from '../events/open-bus.ts';
import { serveHttp } from '../http/serve-http.ts';
import type { ServiceHealth } from '../http/service-health.ts';
import type { ServiceLifecycle } from '../service-deps.ts';
import { createServiceLogger } from '../logging/service-logger.ts';
import { runUntilSignal } from './run-until-signal.ts';
import { shutdownGraceMs } from './shutdown-grace.ts';

export interface ServiceMainOptions {
  service: string;
  defaultPort: number;
  create(deps: { db: Database; bus: EventBus; env: NodeJS.ProcessEnv }): Promise<ServiceLifecycle & { app: Hono; health?: ServiceHealth }>;
}

/**
 * A service's process entry: PORT, DATABASE_URL and NATS_URL from the environment (embedded
 * defaults without them), then serve until SIGTERM/SIGINT, drain HTTP (SHUTDOWN_GRACE_MS,
 * default 10 s) and close everything in reverse order.
 */
export async function runServiceMain(options: ServiceMainOptions, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const port = env.PORT ? Number(env.PORT) : options.defaultPort;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, got ${env.PORT}`);
  const graceMs = shutdownGraceMs(env);
  const logger = createServiceLogger({ service: options.service, level: env.LOG_LEVEL });
  const log = (line: string) => logger.info(line);
  const db = await openDatabase({
    service: options.service,
    url: env.DATABASE_URL || undefined,
    onConnectionError: (err) => log(`database connection lost, reconnecting: ${err instanceof Error ? err.message : String(err)}`),
  });
  const bus = await openBus({
    url: env.NATS_URL || undefined,
    stream: env.NATS_STREAM || undefined,
    subjectPrefix: env.NATS_SUBJECT_PREFIX || undefined,
    onHandlerError: (err, message) =>
      logger.error({ err, subject: message.subject, msgId: message.msgId }, 'event handler failed (will be redelivered)'),
    onConnectionChange: (_up, detail) => log(detail),
  });
  const service = await options.create({ db, bus, env });
  await service.start();
  const server = await serveHttp(service.app, { port, hostname: env.HOST ?? '0.0.0.0' });
  logger.info(
    { url: server.url, database: env.DATABASE_URL ? 'PostgreSQL' : 'embedded', bus: env.NATS_URL ? 'NATS JetStream' : 'in-process' },
    `${options.service} listening`,
  );
  runUntilSignal(async () => {
    service.health?.setDraining();
    await server.drain({ graceMs, log });
    await service.stop();
    await bus.close();
    await db.close();
  });
}
