import type { EventData, EventEnvelope, EventName } from '@concord/contracts/generated/events.v1/types.ts';
import type { Queryable } from '../database/database.ts';
import type { EventMeta, Outbox } from '../events/outbox.ts';

/** The CloudEvents extension attribute naming the partner that owns the event's resource. */
export const PARTNER_ATTRIBUTE = 'partner';

export interface PartnerEventMeta extends EventMeta {
  /** The partner that owns the resource the event is about. */
  partner: string;
}

export interface PartnerOutbox {
  readonly channel: string;
  appendEvent<N extends EventName>(tx: Queryable, name: N, data: EventData<N>, meta: PartnerEventMeta): Promise<EventEnvelope<N>>;
}

/**
 * The runtime's outbox, with the owning partner added to every envelope as the `partner`
 * extension attribute. The attribute is set on the outbox row in the same transaction, before the
 * relay can see it (the relay reads committed rows only), so no event is published without it.
 * Once the runtime's EventMeta carries extension attributes itself, this becomes a pass-through.
 */
export function withPartnerAttribute(outbox: Outbox): PartnerOutbox {
  return {
    channel: outbox.channel,
    async appendEvent(tx, name, data, meta) {
      const { partner, ...rest } = meta;
      const envelope = await outbox.appendEvent(tx, name, data, rest);
      await tx.query(`UPDATE outbox SET envelope = jsonb_set(envelope, '{${PARTNER_ATTRIBUTE}}', to_jsonb($2::text)) WHERE event_id = $1`, [
        envelope.id,
        partner,
      ]);
      return { ...envelope, [PARTNER_ATTRIBUTE]: partner };
    },
  };
}
