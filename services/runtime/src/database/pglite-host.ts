import { mkdirSync } from 'node:fs';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { embeddedAdvisoryLock } from './embedded-advisory-lock.ts';
import { assertSchemaName, type Database, type Queryable, type SqlValue } from './database.ts';

/** One embedded PostgreSQL holding several services' schemas, e.g. the whole stack in one process. */
export interface PgliteHost {
  /** A Database confined to `schema` (created if missing); closing it leaves the host open. */
  database(schema: string): Promise<Database>;
  close(): Promise<void>;
}

function queryable(tx: Transaction): Queryable {
  return {
    async query<R>(sql: string, params: readonly SqlValue[] = []) {
      const result = await tx.query<R>(sql, [...params]);
      return { rows: result.rows, rowCount: result.affectedRows ?? 0 };
    },
  };
}

/**
 * Starting PGlite costs seconds (it boots PostgreSQL in WebAssembly), so services that share a
 * process share one instance. It has a single session, so each schema's work runs in its own
 * transaction with `SET LOCAL search_path`: the SQL stays exactly what it is on PostgreSQL.
 */
export async function createPgliteHost(dataDir: string): Promise<PgliteHost> {
  if (!dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true });
  const pg = await PGlite.create(dataDir);
  return {
    async database(name) {
      const schema = assertSchemaName(name);
      await pg.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      const inSchema = <T>(work: (tx: Queryable) => Promise<T>) =>
        pg.transaction(async (tx) => {
          await tx.exec(`SET LOCAL search_path TO ${schema}, public`);
          return work(queryable(tx));
        });
      return {
        schema,
        query: (sql, params) => inSchema((tx) => tx.query(sql, params)),
        transaction: inSchema,
        async listen(channel, onNotify) {
          const unlisten = await pg.listen(channel, () => onNotify());
          return () => unlisten();
        },
        // One session for every schema: the lock is always free to this process, the only user of the files.
        tryAdvisoryLock: (key) => embeddedAdvisoryLock(pg, key),
        async close() {},
      };
    },
    async close() {
      if (!pg.closed) await pg.close();
    },
  };
}
