import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { signatureHeader, secretKey, generateSecret } from '@concord/service-webhooks/src/signing/standard-webhooks.ts';
import { ORDER_PLACED_SUBJECT, orderPlacedEvent } from '@concord/service-webhooks/src/testing/events.ts';
import { startTestWebhooks, type TestWebhooks } from '@concord/service-webhooks/src/testing/harness.ts';
import { startReceiver, type ReceivedWebhook, type WebhookReceiver } from '@concord/service-webhooks/src/testing/receiver.ts';
import { backends, type OpenedBackend } from './backends.ts';
import { freePort } from '../support/free-port.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function receiver(...args: Parameters<typeof startReceiver>): Promise<WebhookReceiver> {
  const r = await startReceiver(...args);
  cleanups.push(() => r.close());
  return r;
}

async function start(
  backend: (typeof backends)[number],
  config: Parameters<typeof startTestWebhooks>[0] extends infer O ? (O extends { config?: infer C } ? C : never) : never = {},
): Promise<TestWebhooks> {
  const opened: OpenedBackend = await backend.open();
  cleanups.push(() => opened.close());
  const hooks = await startTestWebhooks({ db: opened.db, bus: opened.bus, config });
  cleanups.push(() => hooks.close());
  return hooks;
}

/** A loopback port nothing listens on (yet). */
function headersOf(hook: ReceivedWebhook): Record<string, string> {
  return {
    'webhook-id': String(hook.headers['webhook-id']),
    'webhook-timestamp': String(hook.headers['webhook-timestamp']),
    'webhook-signature': String(hook.headers['webhook-signature']),
  };
}

async function publishMany(hooks: TestWebhooks, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const event = orderPlacedEvent();
    ids.push(event.id);
    await hooks.publish(ORDER_PLACED_SUBJECT, event);
  }
  return ids;
}

describe.each(backends)('webhook delivery on $name', (backend) => {
  it('a receiver verifying with the standardwebhooks package accepts every delivery; tampering, an old timestamp and a wrong secret are rejected', {
    timeout: 60_000,
  }, async () => {
    const hooks = await start(backend);
    let secret = '';
    const rejected: string[] = [];
    const r = await receiver((hook) => {
      try {
        new Webhook(secret).verify(hook.body, headersOf(hook));
        return { status: 204 };
      } catch (err) {
        rejected.push((err as Error).message);
        return { status: 400 };
      }
    });
    const sub = (await hooks.api('POST', '/webhooks/subscriptions', { url: r.url, event_types: ['order.placed', 'order.cancelled'] })).body;
    secret = sub.secret;
    const ids = await publishMany(hooks, 25);
    await r.waitFor(() => ids.every((id) => r.accepted.has(id)), 30_000, 'every event');
    expect(rejected).toEqual([]);

    const hook = r.received[0]!;
    const wh = new Webhook(secret);
    const parsed = wh.verify(hook.body, headersOf(hook)) as { id: string };
    expect(parsed.id).toBe(hook.headers['webhook-id']);
    expect(() => wh.verify(hook.body.replace('"confirmed"', '"cancelled"'), headersOf(hook))).toThrow(/signature/i);
    const old = Math.floor(Date.now() / 1000) - 10 * 60;
    const oldHeaders = {
      ...headersOf(hook),
      'webhook-timestamp': String(old),
      'webhook-signature': signatureHeader([secretKey(secret)], String(hook.headers['webhook-id']), old, hook.body),
    };
    expect(() => wh.verify(hook.body, oldHeaders)).toThrow(/timestamp/i);
    expect(() => new Webhook(generateSecret()).verify(hook.body, headersOf(hook))).toThrow(/signature/i);

    // After a rotation both the old and the new secret verify, so a receiver can switch without loss.
    const rotated = (await hooks.api('POST', `/webhooks/subscriptions/${sub.id}/rotate-secret`)).body;
    const [next] = await publishMany(hooks, 1);
    await r.waitFor(() => r.accepted.has(next!), 10_000, 'the delivery after rotation');
    const after = r.received.find((h) => h.headers['webhook-id'] === next)!;
    expect(() => new Webhook(rotated.secret).verify(after.body, headersOf(after))).not.toThrow();
    expect(() => new Webhook(secret).verify(after.body, headersOf(after))).not.toThrow();
  });

  it('a receiver that is down at first and up afterwards receives every event', { timeout: 60_000 }, async () => {
    const hooks = await start(backend, { retry: { scheduleMs: [0, 200, 400, 800, 1600, 3200, 3200], jitter: 0.2, maxRetryAfterMs: 5000 } });
    const port = await freePort();
    const sub = (
      await hooks.api('POST', '/webhooks/subscriptions', { url: `http://127.0.0.1:${port}/hooks`, event_types: ['order.placed'] })
    ).body;
    const ids = await publishMany(hooks, 50);
    // Let every message fail at least once.
    await expect
      .poll(
        async () =>
          (await hooks.api('GET', `/webhooks/subscriptions/${sub.id}/deliveries?limit=100`)).body.data.filter(
            (d: { attempt_count: number }) => d.attempt_count >= 1,
          ).length,
        { timeout: 10_000 },
      )
      .toBe(50);
    const r = await receiver(undefined, port);
    await r.waitFor(() => ids.every((id) => r.accepted.has(id)), 30_000, 'every event after the receiver came up');
    // The 2xx is recorded a moment after the receiver saw it.
    let deliveries: { id: string; status: string }[] = [];
    await expect
      .poll(
        async () =>
          (deliveries = (await hooks.api('GET', `/webhooks/subscriptions/${sub.id}/deliveries?limit=100`)).body.data).every(
            (d: { status: string }) => d.status === 'succeeded',
          ),
        { timeout: 10_000 },
      )
      .toBe(true);
    const first = deliveries[0]!;
    const attempts = (await hooks.api('GET', `/webhooks/subscriptions/${sub.id}/deliveries/${first.id}/attempts`)).body.data;
    expect(attempts[0].outcome).toBe('network_error');
    expect(attempts.at(-1).outcome).toBe('succeeded');
  });

  it('a receiver that never comes up ends with every event in the dead-letter queue; replay delivers them once it is up', {
    timeout: 60_000,
  }, async () => {
    const hooks = await start(backend, { retry: { scheduleMs: [0, 50, 100], jitter: 0.2, maxRetryAfterMs: 1000 } });
    const port = await freePort();
    const since = new Date(Date.now() - 1000).toISOString();
    const sub = (
      await hooks.api('POST', '/webhooks/subscriptions', { url: `http://127.0.0.1:${port}/hooks`, event_types: ['order.placed'] })
    ).body;
    const ids = await publishMany(hooks, 20);
    await expect
      .poll(async () => (await hooks.api('GET', `/webhooks/subscriptions/${sub.id}`)).body.dead_letter_count, { timeout: 20_000 })
      .toBe(20);
    const dlq = (await hooks.api('GET', `/webhooks/subscriptions/${sub.id}/deliveries?status=dead_lettered&limit=100`)).body.data;
    expect(new Set(dlq.map((d: { message_id: string }) => d.message_id))).toEqual(new Set(ids));
    expect(
      dlq.every((d: { attempt_count: number; last_error: string }) => d.attempt_count === 3 && d.last_error === 'connection refused'),
    ).toBe(true);
    const metrics = await (await hooks.service.app.request('/metrics')).text();
    expect(metrics).toContain(`concord_webhooks_dead_letter_depth{subscription="${sub.id}"} 20`);

    const r = await receiver(undefined, port);
    const one = await hooks.api('POST', `/webhooks/subscriptions/${sub.id}/replay`, { message_id: ids[0] });
    expect(one).toMatchObject({ status: 202, body: { replayed: 1 } });
    await r.waitFor(() => r.accepted.has(ids[0]!), 10_000, 'the replayed message');
    expect((await hooks.api('POST', `/webhooks/subscriptions/${sub.id}/replay`, { message_id: 'no-such-message' })).status).toBe(404);
    const all = await hooks.api('POST', `/webhooks/subscriptions/${sub.id}/replay`, { since });
    expect(all.body.replayed).toBe(20);
    await r.waitFor(() => ids.every((id) => r.accepted.has(id)), 20_000, 'every replayed message');
    await expect
      .poll(async () => (await hooks.api('GET', `/webhooks/subscriptions/${sub.id}`)).body.dead_letter_count, { timeout: 10_000 })
      .toBe(0);
    for (const hook of r.received) expect(JSON.parse(hook.body).id).toBe(hook.headers['webhook-id']);
  });
});
