import { eventCatalog } from '@concord/contracts/generated/events.v1/catalog.ts';
import type { EventCatalog } from '@concord/contracts/src/events/event-catalog.ts';
import type { EventName } from '@concord/contracts/generated/events.v1/types.ts';
import { createEventValidator, type EventValidator } from '@concord/contracts/src/events/event-validator.ts';
import type { Database } from '@concord/service-runtime/src/database/database.ts';
import type { BusBatchHandler, BusHandler, BusMessage } from '@concord/service-runtime/src/events/event-bus.ts';
import { NEW_DELIVERY_ID } from '../store/subscription-store.ts';

/** The consumer name in `processed_events` and the durable name on the bus. */
export const DISPATCHER_CONSUMER = 'webhooks-dispatcher';

/** Partners may only hear what the AsyncAPI contract marks `x-concord-public`. */
export const publicEventNames: readonly EventName[] = (Object.keys(eventCatalog) as EventName[]).filter(
  (name) => eventCatalog[name].public,
);
export const publicEventSubjects: readonly string[] = publicEventNames.map((name) => eventCatalog[name].channel);

export interface FanOutOptions {
  db: Database;
  clock: { now(): Date };
  validator?: EventValidator<EventName>;
  /** Which events are public and who hears them; default: the generated catalogue of events.v1. */
  catalog?: EventCatalog<EventName>;
  /** An event that breaks the contract can never be delivered: reported, then acknowledged. */
  onInvalid?: (message: BusMessage, reason: string) => void;
  /** Told after each commit: how many deliveries were recorded and the newest event's time. */
  onFannedOut?: (deliveries: number, eventTime: Date) => void;
}

interface Envelope {
  id: string;
  type: string;
  time: string;
  /** The owning partner (CloudEvents extension attribute); absent on events from before owners. */
  partner?: string;
}

/** A bus handler for one event, and `batch` for many at once (what the dispatcher subscribes with). */
export type FanOut = BusHandler & { batch: BusBatchHandler };

/** What the statement needs of one event, as a row of its JSON input. */
interface FanOutRow {
  id: string;
  type: string;
  time: string;
  body: string;
  owner: string;
  /** null: every partner's subscriptions. */
  audience: string | null;
}

/**
 * The dispatcher's bus handler. For a batch of events, in one statement (one transaction, one round
 * trip) it records each event id as processed, stores each message once and inserts a delivery for
 * every matching subscription; the bus acks the batch only after the commit. A crash before the
 * commit redelivers the whole batch; a redelivery after it finds the ids and adds nothing. Paused
 * and disabled subscriptions get their deliveries too: they are sent when the subscription is
 * resumed. A subscription hears only its own partner's events (the envelope's `partner`), unless the
 * contract gives the event type `x-concord-audience: all`.
 */
export function createFanOut(options: FanOutOptions): FanOut {
  const catalog = options.catalog ?? eventCatalog;
  const validator = options.validator ?? createEventValidator(catalog);
  const publicNames = new Set<string>((Object.keys(catalog) as EventName[]).filter((name) => catalog[name].public));

  /** The row for a public, valid event; undefined for anything else (which is acked and dropped). */
  function toRow(message: BusMessage): FanOutRow | undefined {
    const envelope = message.envelope as Partial<Envelope> | null;
    const type = typeof envelope?.type === 'string' ? envelope.type : '';
    if (!publicNames.has(type)) return undefined;
    const errors = validator.validate(type as EventName, envelope);
    if (errors.length > 0) {
      options.onInvalid?.(message, errors.map((e) => `${e.pointer} ${e.message}`).join('; '));
      return undefined;
    }
    const event = envelope as Envelope;
    const owner = typeof event.partner === 'string' ? event.partner : '';
    // An owned event without an owner reaches no one ('' matches no partner).
    const audience = catalog[event.type as EventName].audience === 'all' ? null : owner;
    return { id: event.id, type: event.type, time: event.time, body: JSON.stringify(event), owner, audience };
  }

  async function batch(messages: readonly BusMessage[]): Promise<void> {
    const rows = new Map<string, FanOutRow>();
    for (const message of messages) {
      const row = toRow(message);
      // The same event twice in one batch (published under two message ids) is one event.
      if (row && !rows.has(row.id)) rows.set(row.id, row);
    }
    if (rows.size === 0) return;
    const { rowCount: recorded } = await options.db.query(
      `WITH input AS (
         SELECT * FROM jsonb_to_recordset($2::jsonb) AS x(id text, type text, time timestamptz, body text, owner text, audience text)
       ), first AS (
         INSERT INTO processed_events (consumer, event_id) SELECT $1, id FROM input ON CONFLICT DO NOTHING RETURNING event_id
       ), fresh AS (
         SELECT input.* FROM input JOIN first ON first.event_id = input.id
       ), message AS (
         INSERT INTO webhook_messages (id, event_type, event_time, body, received_at, owner, audience_all)
         SELECT id, type, time, body, $3, owner, audience IS NULL FROM fresh
         ON CONFLICT (id) DO NOTHING
       )
       INSERT INTO webhook_deliveries (id, subscription_id, message_id, next_attempt_at, created_at, updated_at)
       SELECT ${NEW_DELIVERY_ID}, s.id, fresh.id, $3, $3, $3 FROM fresh JOIN webhook_subscriptions s
         ON s.event_types ? fresh.type AND (fresh.audience IS NULL OR s.partner = fresh.audience)
       ON CONFLICT (subscription_id, message_id) DO NOTHING`,
      [DISPATCHER_CONSUMER, JSON.stringify([...rows.values()]), options.clock.now()],
    );
    const newest = Math.max(...[...rows.values()].map((r) => Date.parse(r.time)));
    options.onFannedOut?.(recorded, new Date(newest));
  }

  return Object.assign((message: BusMessage) => batch([message]), { batch });
}
