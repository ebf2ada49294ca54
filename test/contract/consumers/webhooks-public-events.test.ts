import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventCatalog } from '@concord/contracts/generated/events.v1/catalog.ts';
import { createFanOut } from '@concord/service-webhooks/src/dispatcher/fan-out.ts';
import { startTestWebhooks, type TestWebhooks } from '@concord/service-webhooks/src/testing/harness.ts';
import { consumerPact } from '../support/consumer-pact.ts';
import { PUBLIC_EVENTS } from '../support/event-shapes.ts';
import { eventDescription } from '@concord/contracts/src/pact/provider-definition.ts';

/**
 * The webhook dispatcher consumes every public event (customers and orders publish them). Each
 * message goes through the dispatcher's real fan-out handler, which validates the envelope against
 * the contract and must record one delivery for a partner subscribed to that event type.
 */
const pacts = { customers: consumerPact('webhooks-dispatcher', 'customers'), orders: consumerPact('webhooks-dispatcher', 'orders') };
let hooks: TestWebhooks;

beforeAll(async () => {
  hooks = await startTestWebhooks({ config: { dispatcher: false } });
});
afterAll(async () => {
  await hooks?.close();
});

describe('webhook dispatcher <- every public event', () => {
  it('covers exactly the events the contract marks public', () => {
    const publicNames = Object.entries(eventCatalog)
      .filter(([, e]) => e.public)
      .map(([name]) => name)
      .sort();
    expect(PUBLIC_EVENTS.map((e) => e.type).sort()).toEqual(publicNames);
  });

  for (const event of PUBLIC_EVENTS) {
    it(`fans ${event.type} out to a subscribed partner`, async () => {
      await pacts[event.provider]
        .addAsynchronousInteraction()
        .given(event.state)
        .expectsToReceive(eventDescription(event.type), (b) =>
          b.withJSONContent(event.content()).withMetadata({ subject: eventCatalog[event.type].channel }),
        )
        .executeTest(async (message) => {
          // Only the partner that owns the event's resource hears it: subscribe as that partner.
          const envelope = message.contents.content as { id: string; partner: string };
          const partner = envelope.partner;
          const sub = await hooks.api(
            'POST',
            '/webhooks/subscriptions',
            { url: 'https://partner.example/hooks', event_types: [event.type] },
            partner,
          );
          expect(sub.status).toBe(201);
          const invalid: string[] = [];
          const fanOut = createFanOut({ db: hooks.db, clock: { now: () => new Date() }, onInvalid: (_m, reason) => invalid.push(reason) });
          await fanOut({ subject: eventCatalog[event.type].channel, msgId: envelope.id, envelope, deliveryCount: 1 });
          expect(invalid).toEqual([]);
          const { rows } = await hooks.db.query<{ n: number }>('SELECT count(*)::int AS n FROM webhook_deliveries WHERE message_id = $1', [
            envelope.id,
          ]);
          expect(rows[0]?.n).toBe(1);
          await hooks.db.query('DELETE FROM webhook_deliveries');
          await hooks.db.query('DELETE FROM processed_events');
        });
    });
  }
});
