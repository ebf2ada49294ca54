import type { Migration } from '@concord/service-runtime/src/database/migrations.ts';

/**
 * The reaper's own column, numbered well after the service's migrations so it never collides
 * with theirs. `confirmed_at` records that orders was asked and has the order: such a
 * reservation belongs to a committed order and is never reaped.
 */
export const reaperMigrations: readonly Migration[] = [
  {
    version: 150,
    name: 'reservations.confirmed_at for the reservation reaper',
    sql: `
      ALTER TABLE reservations ADD COLUMN confirmed_at timestamptz;
      CREATE INDEX reservations_unconfirmed ON reservations (created_at) WHERE status = 'reserved' AND confirmed_at IS NULL;
    `,
  },
];
