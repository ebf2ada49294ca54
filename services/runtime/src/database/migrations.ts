import type { Database } from './database.ts';

export interface Migration {
  /** Increasing, never reused: the ledger records which versions ran. */
  version: number;
  name: string;
  sql: string;
}

/**
 * Applies the migrations that have not run yet, each in its own transaction. An advisory lock
 * keyed by the schema lets several replicas start at once without applying one twice.
 */
export async function runMigrations(db: Database, migrations: readonly Migration[]): Promise<number[]> {
  const applied: number[] = [];
  await db.query(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
  );
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`${db.schema}.migrations`]);
      const done = await tx.query('SELECT 1 FROM schema_migrations WHERE version = $1', [migration.version]);
      if (done.rows.length > 0) return;
      for (const statement of splitStatements(migration.sql)) await tx.query(statement);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
      applied.push(migration.version);
    });
  }
  return applied;
}

/** Extended-protocol queries take one statement each; migrations are written as `;`-separated lists. */
function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
