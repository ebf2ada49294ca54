import { eventCatalog } from '@concord/contracts/generated/events.v1/catalog.ts';
import type { EventCatalog } from '@concord/contracts/src/events/event-catalog.ts';
import type { EventName } from '@concord/contracts/generated/events.v1/types.ts';
import { createEventValidator, type EventValidator } from '@concord/contracts/src/events/event-validator.ts';
import type { Database } from '@concord/service-runtime/src/database/database.ts';
import type { BusHandler, BusMessage } from '@concord/service-runtime/src/events/event-bus.ts';
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
  /** Told after each commit: how many deliveries were recorded and the event's time. */
  onFannedOut?: (deliveries: number, eventTime: Date) => void;
}

interface Envelope {
  id: string;
  type: string;
  time: string;
  /** The owning partner (CloudEvents extension attribute); absent on events from before owners. */
  partner?: string;
}

/**
 * The dispatcher's bus handler. In one transaction (one statement) it records the event id as processed, stores
 * the message once and inserts a delivery for every matching subscription; the bus acks only
 * after the commit. A crash before the commit redelivers the event; a redelivery after it finds
 * the id and adds nothing. Paused and disabled subscriptions get their deliveries too: they are
 * sent when the subscription is resumed. A subscription hears only its own partner's events (the
 * envelope's `partner`), unless the contract gives the event type `x-concord-audience: all`.
 */
export function createFanOut(options: FanOutOptions): BusHandler {
  const catalog = options.catalog ?? eventCatalog;
  const validator = options.validator ?? createEventValidator(catalog);
  const publicNames = new Set<string>((Object.keys(catalog) as EventName[]).filter((name) => catalog[name].public));
  return async function fanOut(message) {
    const envelope = message.envelope as Partial<Envelope> | null;
    const type = typeof envelope?.type === 'string' ? envelope.type : '';
    if (!publicNames.has(type)) return;
    const errors = validator.validate(type as EventName, envelope);
    if (errors.length > 0) {
      options.onInvalid?.(message, errors.map((e) => `${e.pointer} ${e.message}`).join('; '));
      return;
    }
    const event = envelope as Envelope;
    // null: every partner's subscriptions. An owned event without an owner reaches no one.
    const audience = catalog[event.type as EventName].audience === 'all' ? null : typeof event.partner === 'string' ? event.partner : '';
    const now = options.clock.now();
    const body = JSON.stringify(event);
    // One statement is one transaction, and one round trip instead of five: the bus consumer
    // handles messages one at a time, so this is what bounds its rate.
    const { rowCount: recorded } = await options.db.query(
      `WITH first AS (
         INSERT INTO processed_events (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING event_id
       ), message AS (
         INSERT INTO webhook_messages (id, event_type, event_time, body, received_at, owner, audience_all)
         SELECT $2, $3, $4, $5, $6, $8, $7::text IS NULL FROM first
         ON CONFLICT (id) DO NOTHING
       )
       INSERT INTO webhook_deliveries (id, subscription_id, message_id, next_attempt_at, created_at, updated_at)
       SELECT ${NEW_DELIVERY_ID}, s.id, first.event_id, $6, $6, $6 FROM first CROSS JOIN webhook_subscriptions s
        WHERE s.event_types ? $3 AND ($7::text IS NULL OR s.partner = $7::text)
       ON CONFLICT (subscription_id, message_id) DO NOTHING`,
      [
        DISPATCHER_CONSUMER,
        event.id,
        event.type,
        new Date(event.time),
        body,
        now,
        audience,
        typeof event.partner === 'string' ? event.partner : '',
      ],
    );
    options.onFannedOut?.(recorded, new Date(event.time));
  };
}
