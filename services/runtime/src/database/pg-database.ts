import pg from 'pg';
import type { BackoffOptions } from '../process/backoff.ts';
import { assertSchemaName, type AdvisoryLock, type Database, type Queryable, type SqlValue } from './database.ts';
import { isConnectionFailure, toDatabaseError } from './database-unavailable.ts';
import { startPgListener, type PgListener } from './pg-listener.ts';

export interface PgDatabaseOptions {
  url: string;
  schema: string;
  /** Pool size; default 10. */
  max?: number;
  /** How long a new connection may take before the query fails (503); default 2000 ms. */
  connectTimeoutMs?: number;
  /** Backoff of the LISTEN connection's reconnects. */
  reconnect?: BackoffOptions;
  /** Hears about lost connections that are being re-established (not about failed queries). */
  onConnectionError?: (err: unknown) => void;
}

function queryable(target: pg.Pool | pg.PoolClient): Queryable {
  return {
    async query<R>(sql: string, params: readonly SqlValue[] = []) {
      try {
        const result = await target.query(sql, [...params]);
        return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
      } catch (err) {
        throw toDatabaseError(err);
      }
    },
  };
}

const ignore = () => {};

/**
 * PostgreSQL through a `pg` pool. Every connection starts with the service's schema on its
 * search_path, so the SQL is identical to the embedded database's.
 *
 * The server may go away at any moment (restart, failover, pg_terminate_backend). Every client,
 * pooled or dedicated, has an error listener, so that is never an unhandled 'error' event; a
 * query that meets a dead or missing server fails at once with DatabaseUnavailableError (503),
 * and the pool makes fresh connections for the next ones, so the service recovers by itself.
 */
export async function createPgDatabase(options: PgDatabaseOptions): Promise<Database> {
  const schema = assertSchemaName(options.schema);
  const connectionTimeoutMillis = options.connectTimeoutMs ?? 2000;
  const clientConfig: pg.ClientConfig = {
    connectionString: options.url,
    options: `-c search_path=${schema},public`,
    connectionTimeoutMillis,
    keepAlive: true,
  };
  const pool = new pg.Pool({ ...clientConfig, max: options.max ?? 10 });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', (err) => options.onConnectionError?.(err));
  await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  const base = queryable(pool);
  const listeners = new Set<PgListener>();
  const locks = new Set<pg.Client>();

  /**
   * A pooled client with BEGIN done. An idle client whose server session was cut may be handed
   * out before the pool has seen its error; BEGIN has no effect, so it is safe to drop that
   * client and try the next (at most pool size + 1 times, then the failure is the answer).
   */
  async function beginOnLiveConnection(): Promise<pg.PoolClient> {
    for (let attempt = 0; ; attempt++) {
      const client = await pool.connect().catch((err: unknown) => {
        throw toDatabaseError(err);
      });
      client.on('error', ignore);
      try {
        await client.query('BEGIN');
        client.removeListener('error', ignore);
        return client;
      } catch (err) {
        client.removeListener('error', ignore);
        client.release(true);
        if (!isConnectionFailure(err) || attempt >= pool.options.max) throw toDatabaseError(err);
      }
    }
  }

  return {
    schema,
    query: base.query,
    async transaction(work) {
      const client = await beginOnLiveConnection();
      // A checked-out client has no listener of the pool's: without this one, a connection
      // dropped between two statements of the transaction would crash the process.
      client.on('error', ignore);
      let broken: unknown;
      try {
        const tx = queryable(client);
        const result = await work(tx);
        await tx.query('COMMIT');
        return result;
      } catch (err) {
        if (isConnectionFailure(err)) broken = err;
        else await client.query('ROLLBACK').catch((e: unknown) => (broken = e));
        throw err;
      } finally {
        client.removeListener('error', ignore);
        // A broken connection is destroyed, not returned to the pool for the next request to trip on.
        client.release(broken !== undefined);
      }
    },
    async listen(channel, onNotify) {
      const listener = await startPgListener({
        client: () => new pg.Client(clientConfig),
        channel,
        onNotify,
        ...(options.onConnectionError ? { onError: options.onConnectionError } : {}),
        ...(options.reconnect ? { backoff: options.reconnect } : {}),
      });
      listeners.add(listener);
      return async () => {
        if (!listeners.delete(listener)) return;
        await listener.stop();
      };
    },
    async tryAdvisoryLock(key) {
      const client = new pg.Client(clientConfig);
      let held = false;
      const lost = () => {
        held = false;
        locks.delete(client);
      };
      client.on('error', lost);
      client.on('end', lost);
      try {
        await client.connect();
        const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [key]);
        held = rows[0]?.ok === true;
      } catch (err) {
        await client.end().catch(ignore);
        throw toDatabaseError(err);
      }
      if (!held) {
        await client.end().catch(ignore);
        return undefined;
      }
      locks.add(client);
      const lock: AdvisoryLock = {
        held: () => held,
        async release() {
          if (!held) return;
          held = false;
          locks.delete(client);
          // Ending the session releases the lock; no unlock round trip needed.
          await client.end().catch(ignore);
        },
      };
      return lock;
    },
    async close() {
      for (const listener of listeners) await listener.stop();
      listeners.clear();
      for (const client of locks) await client.end().catch(ignore);
      locks.clear();
      await pool.end();
    },
  };
}
