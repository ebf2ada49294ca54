import { createHmac, randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { isEventType, publicEventNames, verifyWebhook, WebhookVerificationError, type PublicEvent } from '../src/webhooks/index.ts';

const secretBytes = randomBytes(32);
const secret = `whsec_${secretBytes.toString('base64')}`;
const now = 1_750_000_000_000;

const event = {
  specversion: '1.0',
  id: 'evt_01J2Z8Q4K9V3M6T7B5N1C0XWYE',
  source: '/orders',
  type: 'order.placed',
  time: '2025-06-15T10:00:00Z',
  datacontenttype: 'application/json',
  subject: 'ord_8KdW3nYq5TzR',
  data: {
    id: 'ord_8KdW3nYq5TzR',
    customer_id: 'cus_4f9a2b7c1d8e',
    lines: [{ sku: 'TEA-EARLGREY-250', quantity: 2 }],
    placed_at: '2025-06-15T10:00:00Z',
  },
};
const payload = JSON.stringify(event);

function sign(id: string, timestamp: number, body: string, key: Buffer = secretBytes): string {
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

function headers(overrides: Record<string, string> = {}) {
  const ts = Math.floor(now / 1000);
  return { 'webhook-id': event.id, 'webhook-timestamp': String(ts), 'webhook-signature': sign(event.id, ts, payload), ...overrides };
}

const reason = (p: Promise<unknown>) =>
  p.then(
    () => 'verified',
    (e: unknown) => (e instanceof WebhookVerificationError ? e.reason : String(e)),
  );

describe('verifyWebhook', () => {
  it('accepts a payload signed per Standard Webhooks and returns the typed CloudEvent', async () => {
    const verified: PublicEvent = await verifyWebhook({ payload, headers: headers(), secret, now: () => now });
    expect(verified.id).toBe(event.id);
    if (!isEventType(verified, 'order.placed')) throw new Error('expected order.placed');
    expect(verified.data.lines[0]!.sku).toBe('TEA-EARLGREY-250');
  });

  it('agrees with the reference implementation (standardwebhooks), with Fetch Headers and bytes', async () => {
    const date = new Date(now);
    const signature = new Webhook(secret).sign(event.id, date, payload);
    const h = new Headers({ 'webhook-id': event.id, 'webhook-timestamp': String(Math.floor(now / 1000)), 'webhook-signature': signature });
    await expect(verifyWebhook({ payload: new TextEncoder().encode(payload), headers: h, secret, now: () => now })).resolves.toMatchObject({
      type: 'order.placed',
    });
  });

  it('accepts any one of several signatures, and any one of several secrets (rotation)', async () => {
    const other = randomBytes(32);
    const ts = Math.floor(now / 1000);
    const multi = `v1,${Buffer.alloc(32).toString('base64')} ${sign(event.id, ts, payload)}`;
    expect(await reason(verifyWebhook({ payload, headers: headers({ 'webhook-signature': multi }), secret, now: () => now }))).toBe(
      'verified',
    );
    const signedWithNew = headers({ 'webhook-signature': sign(event.id, ts, payload, other) });
    expect(
      await reason(
        verifyWebhook({ payload, headers: signedWithNew, secret: [secret, `whsec_${other.toString('base64')}`], now: () => now }),
      ),
    ).toBe('verified');
  });

  it('refuses tampering, wrong secrets, stale or future timestamps and missing headers', async () => {
    const v = (h: Record<string, string>, body = payload, s = secret) =>
      reason(verifyWebhook({ payload: body, headers: h, secret: s, now: () => now }));
    expect(await v(headers(), payload.replace('"quantity":2', '"quantity":20'))).toBe('no_matching_signature');
    expect(await v(headers(), payload, `whsec_${randomBytes(32).toString('base64')}`)).toBe('no_matching_signature');
    expect(await v(headers({ 'webhook-id': 'evt_other' }))).toBe('no_matching_signature');
    expect(await v(headers({ 'webhook-signature': 'v2,abc' }))).toBe('no_matching_signature');
    const old = Math.floor(now / 1000) - 301;
    expect(await v(headers({ 'webhook-timestamp': String(old), 'webhook-signature': sign(event.id, old, payload) }))).toBe(
      'timestamp_out_of_tolerance',
    );
    const future = Math.floor(now / 1000) + 301;
    expect(await v(headers({ 'webhook-timestamp': String(future), 'webhook-signature': sign(event.id, future, payload) }))).toBe(
      'timestamp_out_of_tolerance',
    );
    expect(await v(headers({ 'webhook-timestamp': 'yesterday' }))).toBe('invalid_timestamp');
    const { 'webhook-signature': _, ...unsigned } = headers();
    expect(await v(unsigned)).toBe('missing_headers');
    expect(await v(headers(), payload, 'whsec_***')).toBe('invalid_secret');
  });

  it('refuses a correctly signed payload that is not a CloudEvent, and flags event types newer than the SDK', async () => {
    const ts = Math.floor(now / 1000);
    const notAnEvent = JSON.stringify({ hello: 'world' });
    expect(
      await reason(
        verifyWebhook({
          payload: notAnEvent,
          headers: headers({ 'webhook-signature': sign(event.id, ts, notAnEvent) }),
          secret,
          now: () => now,
        }),
      ),
    ).toBe('invalid_payload');
    const future = JSON.stringify({ ...event, type: 'order.teleported' });
    const err = await verifyWebhook({
      payload: future,
      headers: headers({ 'webhook-signature': sign(event.id, ts, future) }),
      secret,
      now: () => now,
    }).catch((e: unknown) => e);
    expect((err as WebhookVerificationError).reason).toBe('unknown_event_type');
    expect((err as WebhookVerificationError).event).toMatchObject({ type: 'order.teleported' });
  });

  it('knows only the public events of the AsyncAPI contract', () => {
    expect(publicEventNames).toContain('order.placed');
    expect(publicEventNames).not.toContain('inventory.reserved');
  });
});
