import { eventCatalog } from '@concord/contracts/generated/events.v1/catalog.ts';
import type { EventEnvelope, EventName } from '@concord/contracts/generated/events.v1/types.ts';
import { createEventValidator, type EventValidator } from '@concord/contracts/src/events/event-validator.ts';
import { type Clock, systemClock } from '../clock.ts';
import type { Database, Queryable } from '../database/database.ts';
import type { ConsumerLatency } from './consumer-latency.ts';
import type { BusHandler, BusMessage } from './event-bus.ts';

export interface IdempotentConsumerOptions<N extends EventName> {
  db: Database;
  /** Names this consumer in `processed_events`, so two consumers of one event do not collide. */
  consumer: string;
  event: N;
  /** The effect, run in the transaction that also records the event id. */
  handle: (tx: Queryable, envelope: EventEnvelope<N>) => Promise<void>;
  /** An event that breaks the contract can never succeed: it is reported and acknowledged. */
  onInvalid?: (message: BusMessage, errors: { pointer: string; message: string }[]) => void;
  validator?: EventValidator<EventName>;
  /** Hears, per applied event, how long it took from its `time` to here (not for duplicates: they did nothing). */
  latency?: ConsumerLatency;
  clock?: Clock;
}

/**
 * A bus handler that applies each event id once: the id is recorded in the same transaction as
 * the effect, so a redelivery (or a duplicate published under another message id) finds it and
 * does nothing, and a crash before commit leaves neither behind.
 */
export function createIdempotentConsumer<N extends EventName>(options: IdempotentConsumerOptions<N>): BusHandler & { applied(): number } {
  const validator = options.validator ?? createEventValidator(eventCatalog);
  const clock = options.clock ?? systemClock;
  let applied = 0;
  const handler = async (message: BusMessage): Promise<void> => {
    const errors = validator.validate(options.event, message.envelope);
    if (errors.length > 0) {
      options.onInvalid?.(message, errors);
      return;
    }
    const envelope = message.envelope as EventEnvelope<N>;
    const didApply = await options.db.transaction(async (tx) => {
      const inserted = await tx.query('INSERT INTO processed_events (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
        options.consumer,
        envelope.id,
      ]);
      if (inserted.rowCount === 0) return false;
      await options.handle(tx, envelope);
      return true;
    });
    if (!didApply) return;
    applied++;
    options.latency?.observe(options.consumer, envelope.type, envelope.time, clock.now());
  };
  return Object.assign(handler, { applied: () => applied });
}
