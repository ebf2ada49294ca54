import type { Migration } from '@concord/service-runtime/src/database/migrations.ts';
import { runtimeMigrations } from '@concord/service-runtime/src/events/runtime-migrations.ts';

export const ordersMigrations: readonly Migration[] = [
  ...runtimeMigrations,
  {
    version: 100,
    name: 'orders',
    sql: `
      CREATE TABLE orders (
        id text PRIMARY KEY,
        position bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        customer_id text NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'confirmed', 'rejected', 'cancelled')),
        lines jsonb NOT NULL,
        rejection_reason text,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        cancelled_at timestamptz,
        idempotency_key text,
        request_hash text,
        response_status integer,
        response_body jsonb,
        CONSTRAINT orders_idempotency_key UNIQUE (idempotency_key)
      );
      CREATE INDEX orders_customer ON orders (customer_id, position);
    `,
  },
  {
    // jsonb reorders keys; an Idempotency-Key replay must send the bytes the first response had.
    version: 101,
    name: 'orders.response_body as text',
    sql: 'ALTER TABLE orders ALTER COLUMN response_body TYPE text USING response_body::text',
  },
];
