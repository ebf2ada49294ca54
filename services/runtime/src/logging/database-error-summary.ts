/**
 * Database errors say too much for a log: pg and PGlite put the offending row in `detail`
 * ("Key (lower(email))=(ada@...) already exists"), PGlite attaches the query's parameters, and
 * some messages quote the value they refused. What an operator needs is where it happened and what
 * kind of failure it was: the SQLSTATE, schema, table, column and constraint. Nothing else leaves.
 */
const SAFE_FIELDS = ['code', 'severity', 'schema', 'table', 'column', 'constraint', 'routine'] as const;

/** True for an error raised by PostgreSQL (pg's DatabaseError, PGlite's): it has a SQLSTATE. */
export function isDatabaseError(err: unknown): err is Record<string, unknown> & Error {
  const code: unknown = err instanceof Error ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code);
}

/** One line: `database error SQLSTATE 23505 (schema=..., table=customers, constraint=...)`. */
export function summarizeDatabaseError(err: Record<string, unknown>): string {
  const parts = SAFE_FIELDS.filter((f) => f !== 'code' && typeof err[f] === 'string' && err[f] !== '').map((f) => `${f}=${String(err[f])}`);
  return `database error SQLSTATE ${String(err.code)}${parts.length > 0 ? ` (${parts.join(', ')})` : ''}`;
}

/** An error safe to log: database errors (also as a cause) become their summary; others pass. */
export function redactDatabaseError(err: unknown): unknown {
  if (isDatabaseError(err)) {
    const safe = new Error(summarizeDatabaseError(err));
    safe.name = 'DatabaseError';
    // The stack of a driver error is the protocol parser's, and its first line is the message.
    safe.stack = `${safe.name}: ${safe.message}`;
    return safe;
  }
  if (err instanceof Error && err.cause !== undefined && isDatabaseError(err.cause)) {
    const wrapped = new Error(err.message, { cause: redactDatabaseError(err.cause) });
    wrapped.name = err.name;
    if (err.stack) wrapped.stack = err.stack;
    return wrapped;
  }
  return err;
}

/** Wraps a service's onError so nothing it is told carries row data. */
export function redactingOnError(onError: (err: unknown, where: string) => void): (err: unknown, where: string) => void {
  return (err, where) => onError(redactDatabaseError(err), where);
}
