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
  {
    // Orders belong to the partner that placed them (rows from before: the demo partner's), and
    // Idempotency-Keys move to a table of their own, unique per partner, where a key is claimed
    // before the order is placed (see idempotency-keys.ts).
    version: 110,
    name: 'orders.partner and idempotency_keys',
    sql: `
      ALTER TABLE orders ADD COLUMN partner text NOT NULL DEFAULT 'demo-partner';
      ALTER TABLE orders ALTER COLUMN partner DROP DEFAULT;
      CREATE INDEX orders_partner_position ON orders (partner, position);
      CREATE TABLE idempotency_keys (
        partner text NOT NULL,
        key text NOT NULL,
        request_hash text NOT NULL,
        claimed_at timestamptz NOT NULL,
        order_id text,
        response_status integer,
        response_body text,
        PRIMARY KEY (partner, key)
      );
      INSERT INTO idempotency_keys (partner, key, request_hash, claimed_at, order_id, response_status, response_body)
        SELECT partner, idempotency_key, request_hash, created_at, id, response_status, response_body FROM orders
         WHERE idempotency_key IS NOT NULL AND request_hash IS NOT NULL AND response_status IS NOT NULL AND response_body IS NOT NULL;
      ALTER TABLE orders DROP CONSTRAINT orders_idempotency_key;
      ALTER TABLE orders DROP COLUMN idempotency_key;
      ALTER TABLE orders DROP COLUMN request_hash;
      ALTER TABLE orders DROP COLUMN response_status;
      ALTER TABLE orders DROP COLUMN response_body;
    `,
  },
];
