import type { Migration } from '@concord/service-runtime/src/database/migrations.ts';
import { runtimeMigrations } from '@concord/service-runtime/src/events/runtime-migrations.ts';

/**
 * Webhook state lives in the data store so a restarted dispatcher resumes where it stopped:
 * subscriptions (with their secrets), each public event once (`webhook_messages`, the exact bytes
 * that are signed), one delivery per subscription and message, and every attempt. The runtime's
 * `processed_events` records which bus messages were fanned out, in the same transaction.
 */
export const webhookMigrations: readonly Migration[] = [
  ...runtimeMigrations,
  {
    version: 100,
    name: 'webhooks',
    sql: `
      CREATE TABLE webhook_subscriptions (
        id text PRIMARY KEY,
        partner text NOT NULL,
        url text NOT NULL,
        event_types jsonb NOT NULL,
        description text,
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'disabled')),
        disabled_reason text,
        failing_since timestamptz,
        secret text NOT NULL,
        previous_secret text,
        previous_secret_expires_at timestamptz,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      );
      CREATE INDEX webhook_subscriptions_partner ON webhook_subscriptions (partner, created_at DESC, id DESC);
      CREATE TABLE webhook_messages (
        id text PRIMARY KEY,
        event_type text NOT NULL,
        event_time timestamptz NOT NULL,
        body text NOT NULL,
        received_at timestamptz NOT NULL
      );
      CREATE INDEX webhook_messages_type_time ON webhook_messages (event_type, event_time);
      CREATE TABLE webhook_deliveries (
        id text PRIMARY KEY,
        subscription_id text NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
        message_id text NOT NULL REFERENCES webhook_messages (id),
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'dead_lettered')),
        attempt_count integer NOT NULL DEFAULT 0,
        total_attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz,
        lease_until timestamptz,
        last_status_code integer,
        last_error text,
        delivered_at timestamptz,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        UNIQUE (subscription_id, message_id)
      );
      CREATE INDEX webhook_deliveries_due ON webhook_deliveries (subscription_id, next_attempt_at) WHERE status = 'pending';
      CREATE INDEX webhook_deliveries_list ON webhook_deliveries (subscription_id, created_at DESC, id DESC);
      CREATE INDEX webhook_deliveries_dead ON webhook_deliveries (subscription_id) WHERE status = 'dead_lettered';
      CREATE TABLE webhook_attempts (
        delivery_id text NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
        attempt integer NOT NULL,
        started_at timestamptz NOT NULL,
        duration_ms integer NOT NULL,
        outcome text NOT NULL,
        status_code integer,
        error text,
        PRIMARY KEY (delivery_id, attempt)
      );
    `,
  },
  {
    // Who may hear each message: its owning partner (the event's `partner`; '' for events from
    // before owners), or every partner when its type's audience is `all`. Replay reads it, so a
    // subscription can never be handed another partner's messages.
    version: 110,
    name: 'webhook_messages.owner',
    sql: `
      ALTER TABLE webhook_messages ADD COLUMN owner text NOT NULL DEFAULT '';
      ALTER TABLE webhook_messages ADD COLUMN audience_all boolean NOT NULL DEFAULT false;
    `,
  },
  {
    // Every delivery is written three times: inserted by the fan-out, leased by a claim, moved on by
    // its attempt's record. The lease touches no indexed column, so it can be a HOT update (no index
    // entries, the new version on the same page) when the page has room; packed full by the
    // fan-out, none had, and each lease wrote a new entry into all four indexes. Room is left in
    // pages written from now on.
    version: 120,
    name: 'webhook_deliveries.fillfactor',
    sql: `ALTER TABLE webhook_deliveries SET (fillfactor = 50);`,
  },
];
