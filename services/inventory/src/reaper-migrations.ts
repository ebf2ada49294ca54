import type { Migration } from '@concord/service-runtime/src/database/migrations.ts';

/**
 * The reaper's own schema, numbered well after the service's migrations so it never collides
 * with theirs, and kept out of the ledger's SQL:
 * - `expires_at`: every reservation carries its expiry, set on insert by a trigger from the TTL the
 *   running reaper wrote into `reservation_policy` (so changing the TTL never moves old expiries);
 * - `confirmed_at`: orders was asked and has the order; such a reservation is never reaped.
 * The trigger body stays on one line: migrations are split into statements at `;` + newline.
 */
export const reaperMigrations: readonly Migration[] = [
  {
    version: 150,
    name: 'reservation expiry and confirmation for the reservation reaper',
    sql: `
      ALTER TABLE reservations ADD COLUMN confirmed_at timestamptz;
      ALTER TABLE reservations ADD COLUMN expires_at timestamptz;
      CREATE TABLE reservation_policy (id boolean PRIMARY KEY DEFAULT true CHECK (id), ttl_ms integer NOT NULL CHECK (ttl_ms > 0));
      INSERT INTO reservation_policy (ttl_ms) VALUES (60000);
      UPDATE reservations SET expires_at = created_at + interval '60 seconds';
      CREATE FUNCTION reservation_expiry() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.expires_at := COALESCE(NEW.expires_at, NEW.created_at + make_interval(secs => (SELECT ttl_ms FROM reservation_policy) / 1000.0)); RETURN NEW; END $$;
      CREATE TRIGGER reservation_expiry BEFORE INSERT ON reservations FOR EACH ROW EXECUTE FUNCTION reservation_expiry();
      CREATE INDEX reservations_expiring ON reservations (expires_at) WHERE status = 'reserved' AND confirmed_at IS NULL;
    `,
  },
];
