import type { Migration } from '@concord/service-runtime/src/database/migrations.ts';
import { runtimeMigrations } from '@concord/service-runtime/src/events/runtime-migrations.ts';

export const inventoryMigrations: readonly Migration[] = [
  ...runtimeMigrations,
  {
    version: 100,
    name: 'stock and reservations',
    sql: `
      CREATE TABLE stock (
        sku text PRIMARY KEY,
        position bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        name text NOT NULL,
        available integer NOT NULL CHECK (available >= 0),
        reserved integer NOT NULL CHECK (reserved >= 0),
        updated_at timestamptz NOT NULL
      );
      CREATE TABLE reservations (
        order_id text PRIMARY KEY,
        status text NOT NULL CHECK (status IN ('reserved', 'released')),
        lines jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        released_at timestamptz
      );
    `,
  },
  {
    // Stock is the organisation's; a reservation belongs to its order's partner (rows from before:
    // the demo partner's), who alone reads or releases it through the API.
    version: 110,
    name: 'reservations.partner',
    sql: `
      ALTER TABLE reservations ADD COLUMN partner text NOT NULL DEFAULT 'demo-partner';
      ALTER TABLE reservations ALTER COLUMN partner DROP DEFAULT;
    `,
  },
];
