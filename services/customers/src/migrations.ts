import type { Migration } from '@concord/service-runtime/src/database/migrations.ts';
import { runtimeMigrations } from '@concord/service-runtime/src/events/runtime-migrations.ts';

export const customersMigrations: readonly Migration[] = [
  ...runtimeMigrations,
  {
    version: 100,
    name: 'customers',
    sql: `
      CREATE TABLE customers (
        id text PRIMARY KEY,
        position bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        given_name text NOT NULL,
        family_name text NOT NULL,
        name_prefix text,
        email text NOT NULL,
        phone text,
        address jsonb,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      );
      CREATE UNIQUE INDEX customers_email_key ON customers (lower(email));
    `,
  },
];
