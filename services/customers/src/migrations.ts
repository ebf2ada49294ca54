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
  {
    // Customers belong to the partner that created them; rows from before are the demo partner's.
    // An email is unique per partner: two partners may know the same person, and a global index
    // would tell one partner that another has a customer with that address.
    version: 110,
    name: 'customers.partner',
    sql: `
      ALTER TABLE customers ADD COLUMN partner text NOT NULL DEFAULT 'demo-partner';
      ALTER TABLE customers ALTER COLUMN partner DROP DEFAULT;
      DROP INDEX customers_email_key;
      CREATE UNIQUE INDEX customers_partner_email_key ON customers (partner, lower(email));
      CREATE INDEX customers_partner_position ON customers (partner, position);
    `,
  },
];
