import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../testing/test-backends.ts';
import { probeRealService } from '../testing/real-services.ts';
import type { Database } from './database.ts';
import { DatabaseUnavailableError } from './database-unavailable.ts';
import { createPgDatabase } from './pg-database.ts';

const url = await probeRealService('postgres');

/** Terminates this test's own sessions on the shared server (by application_name), never anyone else's. */
async function terminate(admin: pg.Client, appName: string, what: 'listen' | 'all'): Promise<number> {
  const filter = what === 'listen' ? "AND query LIKE 'LISTEN%'" : '';
  const { rowCount } = await admin.query(
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid() ${filter}`,
    [appName],
  );
  return rowCount ?? 0;
}

describe.skipIf(!url)('PostgreSQL connections that are cut', () => {
  const appName = `concord-pgtest-${randomBytes(4).toString('hex')}`;
  const schema = `t${randomBytes(5).toString('hex')}_conn`;
  let db: Database;
  let admin: pg.Client;
  const lost: unknown[] = [];

  beforeAll(async () => {
    const withName = `${url}${url!.includes('?') ? '&' : '?'}application_name=${appName}`;
    db = await createPgDatabase({
      url: withName,
      schema,
      max: 3,
      onConnectionError: (err) => lost.push(err),
      reconnect: { baseMs: 20, maxMs: 200 },
    });
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
  });
  afterAll(async () => {
    await db?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
    await db?.close();
    await admin?.end();
  });

  it('re-subscribes a LISTEN whose connection was terminated, and calls back for what it may have missed', async () => {
    let notified = 0;
    const unlisten = await db.listen('pgtest_channel', () => notified++);
    try {
      const afterSubscribe = notified;
      expect(afterSubscribe).toBe(1);
      await eventually(async () => ((await terminate(admin, appName, 'listen')) === 1 ? true : undefined), 'the LISTEN session');
      // The process is still here; the listener comes back by itself and says so with a call.
      await eventually(() => (notified > afterSubscribe ? true : undefined), 'the callback after re-subscribing');
      const before = notified;
      await db.query("SELECT pg_notify('pgtest_channel', '')");
      await eventually(() => (notified > before ? true : undefined), 'a NOTIFY through the new connection');
      expect(lost.some((e) => e instanceof Error && /terminating connection/.test(e.message))).toBe(true);
    } finally {
      await unlisten();
    }
  });

  it('fails a query on a cut connection with DatabaseUnavailableError (a 503 problem), and the next one works', async () => {
    await db.query('SELECT 1');
    await terminate(admin, appName, 'all');
    // Idle pooled clients are replaced; one may still be handed out dead for a single query.
    const results = await Promise.allSettled([db.query('SELECT 1'), db.query('SELECT 1'), db.query('SELECT 1')]);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(DatabaseUnavailableError);
    await expect(db.query<{ n: number }>('SELECT 2 AS n')).resolves.toMatchObject({ rows: [{ n: 2 }] });
    const tx = await db.transaction(async (t) => (await t.query<{ n: number }>('SELECT 3 AS n')).rows[0]!.n);
    expect(tx).toBe(3);
  });

  it('answers a transaction whose connection is cut mid-way with DatabaseUnavailableError, without crashing', async () => {
    const failed = db.transaction(async (tx) => {
      await tx.query('SELECT 1');
      await terminate(admin, appName, 'all');
      await tx.query('SELECT 1');
    });
    await expect(failed).rejects.toBeInstanceOf(DatabaseUnavailableError);
    await expect(failed).rejects.toMatchObject({ problem: { status: 503, type: 'https://concord.dev/problems/dependency-unavailable' } });
    await expect(db.transaction((tx) => tx.query('SELECT 1'))).resolves.toMatchObject({ rowCount: 1 });
  });

  it('elects one leader: a second session cannot take a held advisory lock until the first lets go', async () => {
    const key = `${schema}.leader`;
    const first = await db.tryAdvisoryLock(key);
    expect(first?.held()).toBe(true);
    expect(await db.tryAdvisoryLock(key)).toBeUndefined();
    await first!.release();
    const second = await db.tryAdvisoryLock(key);
    expect(second?.held()).toBe(true);
    // A leader whose session dies loses the lock, and knows it.
    await terminate(admin, appName, 'all');
    await eventually(() => (second!.held() ? undefined : true), 'the lost lock to be noticed');
    const third = await db.tryAdvisoryLock(key);
    expect(third?.held()).toBe(true);
    await third!.release();
  });
});
