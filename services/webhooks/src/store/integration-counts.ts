import type { Database } from '@concord/service-runtime/src/database/database.ts';

/** Subscriptions per partner, event type and status: what the integration map draws (never URLs). */
export interface SubscriptionCount {
  partner: string;
  eventType: string;
  status: string;
  count: number;
}

/** Dead-lettered deliveries per partner and event type: which webhook edge of the map is broken. */
export interface DeadLetterCount {
  partner: string;
  eventType: string;
  depth: number;
}

export function createIntegrationCounts(db: Database) {
  return {
    async subscriptions(): Promise<SubscriptionCount[]> {
      const { rows } = await db.query<{ partner: string; event_type: string; status: string; n: number }>(
        `SELECT s.partner, t.event_type, s.status, count(*)::int AS n
           FROM webhook_subscriptions s, jsonb_array_elements_text(s.event_types) AS t(event_type)
          GROUP BY s.partner, t.event_type, s.status`,
      );
      return rows.map((r) => ({ partner: r.partner, eventType: r.event_type, status: r.status, count: r.n }));
    },

    async deadLetters(): Promise<DeadLetterCount[]> {
      const { rows } = await db.query<{ partner: string; event_type: string; depth: number }>(
        `SELECT s.partner, m.event_type, count(*)::int AS depth
           FROM webhook_deliveries d
           JOIN webhook_subscriptions s ON s.id = d.subscription_id
           JOIN webhook_messages m ON m.id = d.message_id
          WHERE d.status = 'dead_lettered'
          GROUP BY s.partner, m.event_type`,
      );
      return rows.map((r) => ({ partner: r.partner, eventType: r.event_type, depth: r.depth }));
    },
  };
}

export type IntegrationCounts = ReturnType<typeof createIntegrationCounts>;
