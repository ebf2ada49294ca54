import pg from 'pg';
import { assertSchemaName, type Database, type Queryable, type SqlValue } from './database.ts';

export interface PgDatabaseOptions {
  url: string;
  schema: string;
  /** Pool size; default 10. */
  max?: number;
}

function queryable(target: pg.Pool | pg.PoolClient): Queryable {
  return {
    async query<R>(sql: string, params: readonly SqlValue[] = []) {
      const result = await target.query(sql, [...params]);
      return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
    },
  };
}

/**
 * PostgreSQL through a `pg` pool. Every connection starts with the service's schema on its
 * search_path, so the SQL is identical to the embedded database's.
 */
export async function createPgDatabase(options: PgDatabaseOptions): Promise<Database> {
  const schema = assertSchemaName(options.schema);
  const pool = new pg.Pool({ connectionString: options.url, max: options.max ?? 10, options: `-c search_path=${schema},public` });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  const base = queryable(pool);
  const listeners = new Set<pg.PoolClient>();

  return {
    schema,
    query: base.query,
    async transaction(work) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await work(queryable(client));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
    async listen(channel, onNotify) {
      // LISTEN needs a connection of its own for as long as it listens.
      const client = await pool.connect();
      listeners.add(client);
      client.on('notification', (msg) => {
        if (msg.channel === channel) onNotify();
      });
      await client.query(`LISTEN "${channel}"`);
      return async () => {
        if (!listeners.delete(client)) return;
        await client.query(`UNLISTEN "${channel}"`).catch(() => {});
        client.release();
      };
    },
    async close() {
      for (const client of listeners) client.release();
      listeners.clear();
      await pool.end();
    },
  };
}
