import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Database } from '../database/database.ts';
import { createPgDatabase } from '../database/pg-database.ts';
import { createPgliteHost, type PgliteHost } from '../database/pglite-host.ts';
import type { EventBus } from '../events/event-bus.ts';
import { createInProcessBus } from '../events/in-process-bus.ts';
import { createNatsBus } from '../events/nats-bus.ts';
import { probeRealService } from './real-services.ts';

/** One way of running the services: embedded (PGlite + in-process bus) or real (PostgreSQL + NATS). */
export interface BackendCase {
  name: 'embedded' | 'postgres+nats';
  databaseUrl?: string;
  natsUrl?: string;
  /** True when the real servers did not answer (probeRealService has already warned loudly). */
  skip: boolean;
}

/**
 * Both backends, for `describe.each`. The real one is skipped (loudly) when a server is down,
 * and fails the run instead with CONCORD_REQUIRE_SERVICES=1.
 */
export async function backendCases(): Promise<BackendCase[]> {
  const [databaseUrl, natsUrl] = await Promise.all([probeRealService('postgres'), probeRealService('nats')]);
  return [
    { name: 'embedded', skip: false },
    { name: 'postgres+nats', databaseUrl, natsUrl, skip: !databaseUrl || !natsUrl },
  ];
}

export interface TestBackend {
  readonly case: BackendCase;
  /** A unique tag for this run: schema prefix, stream and subject prefix derive from it. */
  readonly runId: string;
  bus: EventBus;
  /** A fresh database for `service`, private to this run; dropped by close(). */
  openDatabase(service: string): Promise<Database>;
  /** A second bus on the same stream (a restarted process); closed by close(). */
  openBus(): Promise<EventBus>;
  /** Closes every database and bus, drops the schemas and deletes the private stream. */
  close(): Promise<void>;
}

export async function createTestBackend(backend: BackendCase): Promise<TestBackend> {
  const runId = `t${randomBytes(5).toString('hex')}`;
  const databases: Database[] = [];
  const schemas: string[] = [];
  const extraBuses: EventBus[] = [];
  const natsOptions = backend.natsUrl
    ? { url: backend.natsUrl, stream: `TEST_${runId.toUpperCase()}`, subjectPrefix: `test_${runId}` }
    : undefined;
  const natsBus = natsOptions ? await createNatsBus(natsOptions) : undefined;
  const bus: EventBus = natsBus ?? createInProcessBus();
  // One embedded instance per run, one schema per service: booting PGlite is the slow part.
  let host: Promise<PgliteHost> | undefined;

  return {
    case: backend,
    runId,
    bus,
    async openDatabase(service) {
      const schema = `${runId}_${service.replace(/-/g, '_')}`;
      const db = backend.databaseUrl
        ? await createPgDatabase({ url: backend.databaseUrl, schema, max: 4 })
        : await (host ??= createPgliteHost('memory://')).then((h) => h.database(schema));
      databases.push(db);
      if (backend.databaseUrl) schemas.push(schema);
      return db;
    },
    async openBus() {
      if (!natsOptions) return bus;
      const second = await createNatsBus(natsOptions);
      extraBuses.push(second);
      return second;
    },
    async close() {
      for (const b of extraBuses) await b.close().catch(() => {});
      await natsBus?.deleteStream().catch(() => {});
      await bus.close().catch(() => {});
      for (const db of databases) await db.close().catch(() => {});
      await host?.then((h) => h.close()).catch(() => {});
      if (backend.databaseUrl && schemas.length > 0) {
        const admin = new pg.Client({ connectionString: backend.databaseUrl });
        await admin.connect();
        try {
          for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        } finally {
          await admin.end();
        }
      }
    },
  };
}

/** Polls `check` until it returns a value other than undefined; for eventual effects (events, consumers). */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
