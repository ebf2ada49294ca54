import { eventCatalog } from '@concord/contracts/generated/events.v1/catalog.ts';
import type { EventName } from '@concord/contracts/generated/events.v1/types.ts';
import { createEventValidator, type EventValidator } from '@concord/contracts/src/events/event-validator.ts';
import type { Database } from '@concord/service-runtime/src/database/database.ts';
import type { BusHandler, BusMessage } from '@concord/service-runtime/src/events/event-bus.ts';
import { NEW_DELIVERY_ID } from '../store/subscription-store.ts';

/** The consumer name in `processed_events` and the durable name on the bus. */
export const DISPATCHER_CONSUMER = 'webhooks-dispatcher';

/** Partners may only hear what the AsyncAPI contract marks `x-concord-public`. */
export const publicEventNames: readonly EventName[] = (Object.keys(eventCatalog) as EventName[]).filter((name) => eventCatalog[name].public);
export const publicEventSubjects: readonly string[] = publicEventNames.map((name) => eventCatalog[name].channel);

export interface FanOutOptions {
  db: Database;
  clock: { now(): Date };
  validator?: EventValidator<EventName>;
  /** An event that breaks the contract can never be delivered: reported, then acknowledged. */
  onInvalid?: (message: BusMessage, reason: string) => void;
  /** Told after each commit: how many deliveries were recorded and the event's time. */
  onFannedOut?: (deliveries: number, eventTime: Date) => void;
}

interface Envelope {
  id: string;
  type: string;
  time: string;
}

/**
 * The dispatcher's bus handler. In one transaction it records the event id as processed, stores
 * the message once and inserts a delivery for every matching subscription; the bus acks only
 * after the commit. A crash before the commit redelivers the event; a redelivery after it finds
 * the id and adds nothing. Paused and disabled subscriptions get their deliveries too: they are
 * sent when the subscription is resumed.
 */
export function createFanOut(options: FanOutOptions): BusHandler {
  const validator = options.validator ?? createEventValidator(eventCatalog);
  const publicNames = new Set<string>(publicEventNames);
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
    const now = options.clock.now();
    const body = JSON.stringify(event);
    const recorded = await options.db.transaction(async (tx) => {
      const first = await tx.query('INSERT INTO processed_events (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [DISPATCHER_CONSUMER, event.id]);
      if (first.rowCount === 0) return 0;
      await tx.query('INSERT INTO webhook_messages (id, event_type, event_time, body, received_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING', [
        event.id,
        event.type,
        new Date(event.time),
        body,
        now,
      ]);
      const inserted = await tx.query(
        `INSERT INTO webhook_deliveries (id, subscription_id, message_id, next_attempt_at, created_at, updated_at)
         SELECT ${NEW_DELIVERY_ID}, s.id, $1, $3, $3, $3 FROM webhook_subscriptions s WHERE s.event_types ? $2
         ON CONFLICT (subscription_id, message_id) DO NOTHING`,
        [event.id, event.type, now],
      );
      return inserted.rowCount;
    });
    options.onFannedOut?.(recorded, new Date(event.time));
  };
}
