import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { startReceiver, type WebhookReceiver } from './testing/receiver.ts';
import { ORDER_PLACED_SUBJECT, orderPlacedEvent } from './testing/events.ts';
import { startTestWebhooks, type TestWebhooks } from './testing/harness.ts';

let hooks: TestWebhooks | undefined;
const receivers: WebhookReceiver[] = [];
afterEach(async () => {
  await hooks?.close();
  hooks = undefined;
  for (const r of receivers.splice(0)) await r.close();
});

async function receiver(...args: Parameters<typeof startReceiver>) {
  const r = await startReceiver(...args);
  receivers.push(r);
  return r;
}

function verify(secret: string, id: string, ts: string, body: string, header: string): boolean {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const expected = `v1,${createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest('base64')}`;
  return header.split(' ').includes(expected);
}

describe('webhooks API', () => {
  it('requires the partner header the gateway forwards', async () => {
    hooks = await startTestWebhooks();
    const res = await hooks.api('GET', '/webhooks/subscriptions', undefined, null);
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.body.type).toBe('https://concord.dev/problems/unauthenticated');
  });

  it('validates event types against the public events and the URL scheme', async () => {
    hooks = await startTestWebhooks();
    const res = await hooks.api('POST', '/webhooks/subscriptions', {
      url: 'http://partner.example/h',
      event_types: ['order.placed', 'inventory.reserved', 'order.shipped'],
    });
    expect(res.status).toBe(422);
    expect(res.body.errors.map((e: { pointer: string }) => e.pointer)).toEqual(['/body/url', '/body/event_types/1', '/body/event_types/2']);
    const bad = await hooks.api('POST', '/webhooks/subscriptions', { url: 'https://partner.example/h', event_types: [] });
    expect(bad.status).toBe(400);
    const types = await hooks.api('GET', '/webhooks/event-types');
    expect(types.body.data.map((t: { name: string }) => t.name)).toContain('order.placed');
    expect(types.body.data.map((t: { name: string }) => t.name)).not.toContain('inventory.reserved');
  });

  it('refuses plain http in production, even to loopback', async () => {
    hooks = await startTestWebhooks({ config: { production: true } });
    const res = await hooks.api('POST', '/webhooks/subscriptions', { url: 'http://127.0.0.1:9/h', event_types: ['order.placed'] });
    expect(res.status).toBe(422);
    expect(res.body.errors[0].message).toMatch(/production/);
  });

  it('creates (secret once), lists, gets, pauses, resumes and deletes, scoped by partner', async () => {
    hooks = await startTestWebhooks();
    const created = await hooks.api('POST', '/webhooks/subscriptions', {
      url: 'https://partner.example/h',
      event_types: ['order.placed'],
      description: 'x',
    });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^whsec_/);
    expect(created.headers.get('location')).toBe(`/webhooks/subscriptions/${created.body.id}`);
    const id = created.body.id as string;
    const got = await hooks.api('GET', `/webhooks/subscriptions/${id}`);
    expect(got.body).not.toHaveProperty('secret');
    expect(got.body.status).toBe('active');
    expect((await hooks.api('GET', `/webhooks/subscriptions/${id}`, undefined, 'partner-b')).status).toBe(404);
    expect((await hooks.api('GET', '/webhooks/subscriptions', undefined, 'partner-b')).body.data).toEqual([]);
    for (let i = 0; i < 2; i++)
      await hooks.api('POST', '/webhooks/subscriptions', { url: `https://partner.example/h${i}`, event_types: ['order.placed'] });
    const page1 = await hooks.api('GET', '/webhooks/subscriptions?limit=2');
    expect(page1.body.data).toHaveLength(2);
    const page2 = await hooks.api('GET', `/webhooks/subscriptions?limit=2&cursor=${page1.body.next_cursor}`);
    expect(page2.body.data.map((s: { id: string }) => s.id)).toEqual([id]);
    expect(page2.body.next_cursor).toBeNull();
    expect((await hooks.api('GET', '/webhooks/subscriptions?cursor=bogus')).status).toBe(400);
    expect((await hooks.api('POST', `/webhooks/subscriptions/${id}/pause`)).body.status).toBe('paused');
    expect((await hooks.api('POST', `/webhooks/subscriptions/${id}/resume`)).body.status).toBe('active');
    expect((await hooks.api('DELETE', `/webhooks/subscriptions/${id}`)).status).toBe(204);
    expect((await hooks.api('DELETE', `/webhooks/subscriptions/${id}`)).status).toBe(404);
  });
});

describe('webhook dispatcher (embedded defaults)', () => {
  it('delivers a signed CloudEvent with Standard Webhooks headers', async () => {
    hooks = await startTestWebhooks();
    const r = await receiver();
    const sub = (await hooks.api('POST', '/webhooks/subscriptions', { url: r.url, event_types: ['order.placed'] })).body;
    const event = orderPlacedEvent();
    await hooks.publish(ORDER_PLACED_SUBJECT, event);
    await r.waitFor(() => r.accepted.size === 1);
    const hook = r.received[0]!;
    expect(hook.headers['webhook-id']).toBe(event.id);
    expect(hook.headers['content-type']).toMatch(/^application\/cloudevents\+json/);
    expect(JSON.parse(hook.body)).toEqual(event);
    expect(Math.abs(Number(hook.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(5);
    expect(
      verify(sub.secret, event.id, String(hook.headers['webhook-timestamp']), hook.body, String(hook.headers['webhook-signature'])),
    ).toBe(true);
    await expect
      .poll(async () => (await hooks!.api('GET', `/webhooks/subscriptions/${sub.id}/deliveries`)).body.data[0]?.status)
      .toBe('succeeded');
  });

  it('does not deliver non-public events or other types', async () => {
    hooks = await startTestWebhooks();
    const r = await receiver();
    await hooks.api('POST', '/webhooks/subscriptions', { url: r.url, event_types: ['customer.created'] });
    await hooks.publish(ORDER_PLACED_SUBJECT, orderPlacedEvent());
    await new Promise((res) => setTimeout(res, 300));
    expect(r.received).toHaveLength(0);
  });

  it('signs with both secrets during a rotation overlap', async () => {
    hooks = await startTestWebhooks();
    const r = await receiver();
    const sub = (await hooks.api('POST', '/webhooks/subscriptions', { url: r.url, event_types: ['order.placed'] })).body;
    const rotated = await hooks.api('POST', `/webhooks/subscriptions/${sub.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(sub.secret);
    const event = orderPlacedEvent();
    await hooks.publish(ORDER_PLACED_SUBJECT, event);
    await r.waitFor(() => r.accepted.size === 1);
    const hook = r.received[0]!;
    const sigs = String(hook.headers['webhook-signature']).split(' ');
    expect(sigs).toHaveLength(2);
    const ts = String(hook.headers['webhook-timestamp']);
    expect(verify(rotated.body.secret, event.id, ts, hook.body, sigs[0]!)).toBe(true);
    expect(verify(sub.secret, event.id, ts, hook.body, sigs[1]!)).toBe(true);
    expect((await hooks.api('GET', `/webhooks/subscriptions/${sub.id}`)).body.previous_secret_expires_at).toBe(
      rotated.body.previous_secret_expires_at,
    );
  });

  it('sends a signed webhook.test event at once and answers with the attempt, for the owner only, recording no delivery', async () => {
    hooks = await startTestWebhooks();
    let status = 204;
    const r = await receiver(() => ({ status }));
    const sub = (await hooks.api('POST', '/webhooks/subscriptions', { url: r.url, event_types: ['order.placed'] })).body;
    // Paused: a test event is the partner's own probe and goes out whatever the status.
    await hooks.api('POST', `/webhooks/subscriptions/${sub.id}/pause`);

    const sent = await hooks.api('POST', `/webhooks/subscriptions/${sub.id}/test`);
    expect(sent.status).toBe(200);
    expect(sent.body.attempt).toMatchObject({ attempt: 1, outcome: 'succeeded', status_code: 204, error: null });
    expect(r.received).toHaveLength(1);
    const hook = r.received[0]!;
    expect(hook.headers['webhook-id']).toBe(sent.body.message_id);
    expect(JSON.parse(hook.body)).toEqual(sent.body.event);
    expect(sent.body.event).toMatchObject({
      specversion: '1.0',
      id: sent.body.message_id,
      type: 'webhook.test',
      source: '/webhooks',
      data: { subscription_id: sub.id },
    });
    expect(
      verify(
        sub.secret,
        sent.body.message_id,
        String(hook.headers['webhook-timestamp']),
        hook.body,
        String(hook.headers['webhook-signature']),
      ),
    ).toBe(true);

    status = 500;
    const refused = await hooks.api('POST', `/webhooks/subscriptions/${sub.id}/test`);
    expect(refused.status).toBe(200);
    expect(refused.body.attempt).toMatchObject({ outcome: 'failed', status_code: 500, error: 'HTTP 5xx' });
    expect(r.received).toHaveLength(2);

    // Another partner's subscription is not found, exactly like one that does not exist.
    expect((await hooks.api('POST', `/webhooks/subscriptions/${sub.id}/test`, undefined, 'partner-b')).status).toBe(404);
    expect((await hooks.api('POST', '/webhooks/subscriptions/whs_doesnotexist1/test')).status).toBe(404);
    expect(r.received).toHaveLength(2);
    // Never retried and not a delivery of the subscription.
    expect((await hooks.api('GET', `/webhooks/subscriptions/${sub.id}/deliveries`)).body.data).toEqual([]);
  });

  it('signs a test event with both secrets during a rotation overlap, and reports an unreachable endpoint as its attempt', async () => {
    hooks = await startTestWebhooks();
    const r = await receiver();
    const sub = (await hooks.api('POST', '/webhooks/subscriptions', { url: r.url, event_types: ['order.placed'] })).body;
    const rotated = (await hooks.api('POST', `/webhooks/subscriptions/${sub.id}/rotate-secret`)).body;
    const sent = await hooks.api('POST', `/webhooks/subscriptions/${sub.id}/test`);
    const hook = r.received[0]!;
    const [first, second] = String(hook.headers['webhook-signature']).split(' ');
    const ts = String(hook.headers['webhook-timestamp']);
    expect(verify(rotated.secret, sent.body.message_id, ts, hook.body, first!)).toBe(true);
    expect(verify(sub.secret, sent.body.message_id, ts, hook.body, second!)).toBe(true);

    await r.close();
    receivers.splice(receivers.indexOf(r), 1);
    const unreachable = await hooks.api('POST', `/webhooks/subscriptions/${sub.id}/test`);
    expect(unreachable.status).toBe(200);
    expect(unreachable.body.attempt).toMatchObject({ outcome: 'network_error', status_code: null, error: 'connection refused' });
  });

  it('retries 5xx, 429 (honouring Retry-After) and timeouts with the same webhook-id, and records the attempts', async () => {
    hooks = await startTestWebhooks({ config: { timeoutMs: 200 } });
    let n = 0;
    const r = await receiver(() => {
      n++;
      if (n === 1) return { status: 503 };
      if (n === 2) return { status: 429, headers: { 'retry-after': '1' } };
      if (n === 3) return { status: 204, delayMs: 400 };
      return { status: 204 };
    });
    const sub = (await hooks.api('POST', '/webhooks/subscriptions', { url: r.url, event_types: ['order.placed'] })).body;
    const event = orderPlacedEvent();
    await hooks.publish(ORDER_PLACED_SUBJECT, event);
    await r.waitFor(() => r.received.length >= 4, 10_000);
    expect(new Set(r.received.map((h) => h.headers['webhook-id']))).toEqual(new Set([event.id]));
    expect(r.received[2]!.at - r.received[1]!.at).toBeGreaterThanOrEqual(950);
    let deliveries: any;
    await expect
      .poll(async () => (deliveries = (await hooks!.api('GET', `/webhooks/subscriptions/${sub.id}/deliveries`)).body.data)[0]?.status)
      .toBe('succeeded');
    const attempts = (await hooks.api('GET', `/webhooks/subscriptions/${sub.id}/deliveries/${deliveries[0].id}/attempts`)).body.data;
    expect(attempts.map((a: { outcome: string }) => a.outcome)).toEqual(['failed', 'failed', 'timeout', 'succeeded']);
    expect(attempts.map((a: { status_code: number | null }) => a.status_code)).toEqual([503, 429, null, 204]);
  });

  it('disables the subscription on 410 Gone, with the reason visible', async () => {
    hooks = await startTestWebhooks();
    const r = await receiver(() => ({ status: 410 }));
    const sub = (await hooks.api('POST', '/webhooks/subscriptions', { url: r.url, event_types: ['order.placed'] })).body;
    await hooks.publish(ORDER_PLACED_SUBJECT, orderPlacedEvent());
    await expect.poll(async () => (await hooks!.api('GET', `/webhooks/subscriptions/${sub.id}`)).body.status).toBe('disabled');
    const got = (await hooks.api('GET', `/webhooks/subscriptions/${sub.id}`)).body;
    expect(got.disabled_reason).toMatch(/410/);
    expect(got.dead_letter_count).toBe(1);
    await hooks.publish(ORDER_PLACED_SUBJECT, orderPlacedEvent());
    await new Promise((res) => setTimeout(res, 300));
    expect(r.received).toHaveLength(1);
  });

  it('disables an endpoint that keeps failing for the configured time', async () => {
    hooks = await startTestWebhooks({
      config: { disableAfterMs: 300, retry: { scheduleMs: [0, 100, 100, 100, 100, 100, 100, 100, 100], jitter: 0, maxRetryAfterMs: 1000 } },
    });
    const r = await receiver(() => ({ status: 500 }));
    const sub = (await hooks.api('POST', '/webhooks/subscriptions', { url: r.url, event_types: ['order.placed'] })).body;
    await hooks.publish(ORDER_PLACED_SUBJECT, orderPlacedEvent());
    await expect
      .poll(async () => (await hooks!.api('GET', `/webhooks/subscriptions/${sub.id}`)).body.status, { timeout: 5000 })
      .toBe('disabled');
    const got = (await hooks.api('GET', `/webhooks/subscriptions/${sub.id}`)).body;
    expect(got.disabled_reason).toMatch(/failed since .* last error: HTTP 5xx/);
    expect(got.failing_since).not.toBeNull();
  });

  it('keeps events for a paused subscription and delivers them on resume', async () => {
    hooks = await startTestWebhooks();
    const r = await receiver();
    const sub = (await hooks.api('POST', '/webhooks/subscriptions', { url: r.url, event_types: ['order.placed'] })).body;
    await hooks.api('POST', `/webhooks/subscriptions/${sub.id}/pause`);
    await hooks.publish(ORDER_PLACED_SUBJECT, orderPlacedEvent());
    await new Promise((res) => setTimeout(res, 300));
    expect(r.received).toHaveLength(0);
    await hooks.api('POST', `/webhooks/subscriptions/${sub.id}/resume`);
    await r.waitFor(() => r.accepted.size === 1);
  });

  it('a slow endpoint does not delay a fast one', async () => {
    hooks = await startTestWebhooks({ config: { perEndpointConcurrency: 2, timeoutMs: 5000 } });
    const slow = await receiver(() => ({ status: 204, delayMs: 1000 }));
    const fast = await receiver();
    await hooks.api('POST', '/webhooks/subscriptions', { url: slow.url, event_types: ['order.placed'] });
    await hooks.api('POST', '/webhooks/subscriptions', { url: fast.url, event_types: ['order.placed'] });
    const started = Date.now();
    for (let i = 0; i < 20; i++) await hooks.publish(ORDER_PLACED_SUBJECT, orderPlacedEvent());
    await fast.waitFor(() => fast.accepted.size === 20, 5000);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(slow.accepted.size).toBeLessThan(8);
  });

  it('exposes metrics on /metrics', async () => {
    hooks = await startTestWebhooks();
    const r = await receiver();
    await hooks.api('POST', '/webhooks/subscriptions', { url: r.url, event_types: ['order.placed'] });
    await hooks.publish(ORDER_PLACED_SUBJECT, orderPlacedEvent());
    await r.waitFor(() => r.accepted.size === 1);
    await expect
      .poll(async () => await (await hooks!.service.app.request('/metrics')).text())
      .toMatch(/concord_webhooks_deliveries_total\{outcome="succeeded"\} 1/);
    const text = await (await hooks.service.app.request('/metrics')).text();
    for (const name of [
      'concord_webhooks_attempts_total',
      'concord_webhooks_delivery_latency_seconds_bucket',
      'concord_webhooks_consumer_lag_seconds',
      'concord_webhooks_pending_deliveries',
      'concord_webhooks_dead_letter_depth',
      'concord_webhooks_partner_dead_letter_depth',
    ]) {
      expect(text).toContain(name);
    }
    // What the integration map draws: subscriptions counted per partner and event type, never URLs.
    expect(text).toMatch(/concord_webhooks_subscriptions\{partner="[^"]+",event_type="order.placed",status="active"\} 1/);
    expect(text).not.toContain(r.url);
  });
});
