import { eventCatalog } from '@concord/contracts/generated/events.v1/catalog.ts';
import type { EventData, EventEnvelope, EventName } from '@concord/contracts/generated/events.v1/types.ts';
import { createEventValidator, type EventValidator } from '@concord/contracts/src/events/event-validator.ts';
import type { Clock } from '../clock.ts';
import type { Queryable } from '../database/database.ts';
import type { IdGenerator } from '../ids.ts';

export interface EventMeta {
  /** The resource the event is about (customer or order id). */
  subject: string;
  /** The W3C traceparent of the request that caused it, when it had a valid one. */
  traceparent?: string | undefined;
}

export interface Outbox {
  /** The NOTIFY channel the relay listens on. */
  readonly channel: string;
  /**
   * Builds the CloudEvent, checks it against the AsyncAPI contract and inserts it with `tx`, so it
   * commits or rolls back with the change it describes. An invalid event is a bug here: it throws.
   */
  appendEvent<N extends EventName>(tx: Queryable, name: N, data: EventData<N>, meta: EventMeta): Promise<EventEnvelope<N>>;
}

export interface OutboxOptions {
  /** The producing service, e.g. `orders`: the CloudEvents source is `/services/<service>`. */
  service: string;
  /** The database schema, which names the NOTIFY channel. */
  schema: string;
  clock: Clock;
  ids: IdGenerator;
  validator?: EventValidator<EventName>;
}

const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

export function outboxChannel(schema: string): string {
  return `outbox_${schema}`;
}

export function createOutbox(options: OutboxOptions): Outbox {
  const validator = options.validator ?? createEventValidator(eventCatalog);
  const source = `/services/${options.service}`;
  const channel = outboxChannel(options.schema);
  return {
    channel,
    async appendEvent<N extends EventName>(tx: Queryable, name: N, data: EventData<N>, meta: EventMeta): Promise<EventEnvelope<N>> {
      const envelope = {
        specversion: '1.0',
        id: options.ids.uuid(),
        source,
        type: name,
        time: options.clock.now().toISOString(),
        datacontenttype: 'application/json',
        subject: meta.subject,
        // A malformed incoming traceparent must not make the write fail; it is simply not propagated.
        ...(meta.traceparent && TRACEPARENT.test(meta.traceparent) ? { traceparent: meta.traceparent } : {}),
        data,
      } as EventEnvelope<N>;
      const errors = validator.validate(name, envelope);
      if (errors.length > 0)
        throw new Error(`Event ${name} breaks the AsyncAPI contract: ${errors.map((e) => `${e.pointer} ${e.message}`).join('; ')}`);
      await tx.query('INSERT INTO outbox (event_id, event_type, bus_subject, envelope) VALUES ($1, $2, $3, $4)', [
        envelope.id,
        name,
        eventCatalog[name].channel,
        JSON.stringify(envelope),
      ]);
      await tx.query('SELECT pg_notify($1, $2)', [channel, '']);
      return envelope;
    },
  };
}
