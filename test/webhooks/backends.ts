import { randomBytes } from 'node:crypto';
import type { Database } from '@concord/service-runtime/src/database/database.ts';
import { createPgDatabase } from '@concord/service-runtime/src/database/pg-database.ts';
import { createPgliteDatabase } from '@concord/service-runtime/src/database/pglite-database.ts';
import type { EventBus } from '@concord/service-runtime/src/events/event-bus.ts';
import { createInProcessBus } from '@concord/service-runtime/src/events/in-process-bus.ts';
import { createNatsBus } from '@concord/service-runtime/src/events/nats-bus.ts';
import { probeRealService } from '@concord/service-runtime/src/testing/real-services.ts';

/** Real servers when they answer (a loud warning, or a failure under CONCORD_REQUIRE_SERVICES=1, when not). */
export const postgresUrl = await probeRealService('postgres');
export const natsUrl = await probeRealService('nats');

export interface OpenedBackend {
  db: Database;
  bus: EventBus;
  close(): Promise<void>;
}

export interface Backend {
  name: string;
  open(): Promise<OpenedBackend>;
}

function suffix(): string {
  return randomBytes(5).toString('hex');
}

/** A private schema and stream per test, dropped afterwards, so parallel runs never share state. */
export async function openPostgres(
  url: string,
  schema = `wh_test_${suffix()}`,
): Promise<{ db: Database; schema: string; drop(): Promise<void> }> {
  const db = await createPgDatabase({ url, schema });
  return {
    db,
    schema,
    async drop() {
      await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
      await db.close();
    },
  };
}

export function privateStream(): { stream: string; subjectPrefix: string } {
  const id = suffix();
  return { stream: `WH_TEST_${id.toUpperCase()}`, subjectPrefix: `whtest${id}` };
}

export const embedded: Backend = {
  name: 'embedded (PGlite + in-process bus)',
  async open() {
    const db = await createPgliteDatabase({ dataDir: 'memory://', schema: 'webhooks' });
    const bus = createInProcessBus({ redeliveryDelayMs: 20 });
    return {
      db,
      bus,
      async close() {
        await bus.close();
        await db.close();
      },
    };
  },
};

export const real: Backend | undefined =
  postgresUrl && natsUrl
    ? {
        name: 'PostgreSQL + NATS JetStream',
        async open() {
          const pg = await openPostgres(postgresUrl);
          const bus = await createNatsBus({ url: natsUrl, ...privateStream(), redeliveryDelayMs: 100 });
          return {
            db: pg.db,
            bus,
            async close() {
              await bus.deleteStream().catch(() => {});
              await bus.close();
              await pg.drop();
            },
          };
        },
      }
    : undefined;

export const backends: Backend[] = [embedded, ...(real ? [real] : [])];
