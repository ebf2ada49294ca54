import type { PGlite } from '@electric-sql/pglite';
import type { AdvisoryLock } from './database.ts';

/**
 * PGlite has one session, and only this process uses its files: a session lock there is always
 * granted (it is re-entrant), so the embedded store is simply always the leader. Taking it for
 * real still keeps the SQL and the release path the same as on PostgreSQL.
 */
export async function embeddedAdvisoryLock(db: Pick<PGlite, 'query'>, key: string): Promise<AdvisoryLock | undefined> {
  const { rows } = await db.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [key]);
  if (rows[0]?.ok !== true) return undefined;
  let held = true;
  return {
    held: () => held,
    async release() {
      if (!held) return;
      held = false;
      await db.query('SELECT pg_advisory_unlock(hashtext($1))', [key]).catch(() => {});
    },
  };
}
