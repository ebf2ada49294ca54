import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { embeddedAdvisoryLock } from './embedded-advisory-lock.ts';
import { assertSchemaName, type Database, type Queryable, type SqlValue } from './database.ts';

export interface PgliteDatabaseOptions {
  /** A directory for the data files, or `memory://` for a throw-away database. */
  dataDir: string;
  schema: string;
}

function queryable(target: Pick<PGlite, 'query'>): Queryable {
  return {
    async query<R>(sql: string, params: readonly SqlValue[] = []) {
      const result = await target.query<R>(sql, [...params]);
      return { rows: result.rows, rowCount: result.affectedRows ?? 0 };
    },
  };
}

/**
 * The embedded default: real PostgreSQL compiled to WebAssembly, in this process. It has a single
 * connection, so PGlite itself serialises queries and transactions; nothing here needs a pool.
 */
export async function createPgliteDatabase(options: PgliteDatabaseOptions): Promise<Database> {
  const schema = assertSchemaName(options.schema);
  if (!options.dataDir.startsWith('memory://')) mkdirSync(options.dataDir, { recursive: true });
  const db = await PGlite.create(options.dataDir);
  await db.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}; SET search_path TO ${schema}, public;`);
  const base = queryable(db);
  return {
    schema,
    query: base.query,
    transaction: (work) => db.transaction((tx) => work(queryable(tx))),
    async listen(channel, onNotify) {
      const unlisten = await db.listen(channel, () => onNotify());
      return () => unlisten();
    },
    // One session: the lock is always free to this process, which is the only one using the files.
    tryAdvisoryLock: (key) => embeddedAdvisoryLock(db, key),
    async close() {
      if (!db.closed) await db.close();
    },
  };
}
