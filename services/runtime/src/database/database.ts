/**
 * The one storage seam every service shares. PGlite and PostgreSQL run the same SQL, so a service
 * never knows which one it talks to; tests choose, production follows `DATABASE_URL`.
 */
export type SqlValue = string | number | boolean | null | Date;

export interface QueryResult<R> {
  rows: R[];
  /** Rows changed by INSERT/UPDATE/DELETE; 0 when the driver does not say. */
  rowCount: number;
}

export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: readonly SqlValue[]): Promise<QueryResult<R>>;
}

/** A session-level advisory lock: held until released or until its session ends. */
export interface AdvisoryLock {
  /** False once released, or once the session holding it is gone (the server then let it go). */
  held(): boolean;
  release(): Promise<void>;
}

export interface Database extends Queryable {
  /** The PostgreSQL schema holding this service's tables (first on the search_path). */
  readonly schema: string;
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * LISTEN on a channel; resolves to a function that stops listening. A lost connection is
   * re-established (and the channel re-subscribed) by itself; `onNotify` is also called after
   * each reconnect, since notifications sent meanwhile are lost.
   */
  listen(channel: string, onNotify: () => void): Promise<() => Promise<void>>;
  /**
   * Takes the advisory lock named `key` if no other session holds it: leader election among
   * replicas. Undefined when another session has it.
   */
  tryAdvisoryLock(key: string): Promise<AdvisoryLock | undefined>;
  close(): Promise<void>;
}

/** Schema names are interpolated into SQL (identifiers cannot be bound), so only plain names pass. */
export function assertSchemaName(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
    throw new Error(`Invalid schema name ${JSON.stringify(schema)}: use lower-case letters, digits and _`);
  return schema;
}
