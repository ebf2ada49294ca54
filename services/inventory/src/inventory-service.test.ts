import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '@concord/service-runtime/src/database/database.ts';
import { backendCases, createTestBackend, eventually, type TestBackend } from '@concord/service-runtime/src/testing/test-backends.ts';
import { asPartner } from '@concord/service-runtime/src/tenancy/as-caller.ts';
import { createInventoryService, type InventoryService } from './inventory-service.ts';

const cases = await backendCases();
const send = (method: string, body?: unknown): RequestInit => ({
  method,
  headers: { 'content-type': 'application/json' },
  ...(body === undefined ? {} : { body: JSON.stringify(body) }),
});
let counter = 0;
const orderId = () => `ord_inv${Date.now().toString(36)}${(counter++).toString().padStart(4, '0')}`;
const cancelled = (id: string, eventId: string) => ({
  specversion: '1.0',
  id: eventId,
  source: '/services/orders',
  type: 'order.cancelled',
  time: '2025-05-21T07:45:12Z',
  datacontenttype: 'application/json',
  subject: id,
  data: {
    id,
    customer_id: 'cus_12345678',
    status: 'cancelled',
    lines: [{ sku: 'TEA-INV', quantity: 2 }],
    rejection_reason: null,
    created_at: '2025-05-20T10:15:00Z',
    updated_at: '2025-05-21T07:45:12Z',
    cancelled_at: '2025-05-21T07:45:12Z',
  },
});

describe.each(cases)('inventory.v1 on $name', (backend) => {
  let env: TestBackend;
  let db: Database;
  let service: InventoryService;
  const faults: unknown[] = [];

  beforeAll(async () => {
    if (backend.skip) return;
    env = await createTestBackend(backend);
    db = await env.openDatabase('inventory');
    service = await createInventoryService({
      db,
      bus: env.bus,
      responseValidation: 'enforce',
      relayPollIntervalMs: 100,
      onError: (err) => faults.push(err),
    });
    await service.start();
  });
  afterAll(async () => {
    await service?.stop();
    expect(faults).toEqual([]);
    await env?.close();
  });

  const call = async (path: string, init?: RequestInit) => {
    const res = await service.app.request(path, asPartner('partner-a', init));
    return {
      status: res.status,
      type: res.headers.get('content-type'),
      location: res.headers.get('location'),
      body: (await res.json()) as Record<string, unknown>,
    };
  };
  const stock = async (sku: string) => (await call(`/stock/${sku}`)).body as { available: number; reserved: number };

  it.skipIf(backend.skip)('sets stock (creating the SKU, named after itself) and reads it back', async () => {
    expect((await call('/stock/TEA-NEW', send('PUT', { available: 5 }))).body).toMatchObject({
      sku: 'TEA-NEW',
      name: 'TEA-NEW',
      available: 5,
      reserved: 0,
    });
    expect((await call('/stock/TEA-NEW', send('PUT', { available: 7, name: 'Tea' }))).body).toMatchObject({ name: 'Tea', available: 7 });
    expect((await call('/stock/TEA-NONE')).status).toBe(404);
    expect((await call('/stock/TEA-NEW', send('PUT', { available: -1 }))).body).toMatchObject({ errors: [{ pointer: '/body/available' }] });
  });

  it.skipIf(backend.skip)('reserves all or nothing, and a second reservation for the order returns the first (200)', async () => {
    await call('/stock/TEA-INV', send('PUT', { available: 10 }));
    const id = orderId();
    const first = await call('/reservations', send('POST', { order_id: id, lines: [{ sku: 'TEA-INV', quantity: 2 }] }));
    expect(first.status).toBe(201);
    expect(first.location).toBe(`/reservations/${id}`);
    const again = await call('/reservations', send('POST', { order_id: id, lines: [{ sku: 'TEA-INV', quantity: 2 }] }));
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(await stock('TEA-INV')).toMatchObject({ available: 8, reserved: 2 });
  });

  it.skipIf(backend.skip)('answers short stock with 409 and unknown SKUs with 422, pointing at the lines, reserving nothing', async () => {
    await call('/stock/MUG-INV', send('PUT', { available: 1 }));
    const short = await call(
      '/reservations',
      send('POST', {
        order_id: orderId(),
        lines: [
          { sku: 'MUG-INV', quantity: 1 },
          { sku: 'MUG-INV', quantity: 1 },
        ],
      }),
    );
    expect(short.status).toBe(409);
    expect(short.type).toBe('application/problem+json');
    expect(short.body).toMatchObject({
      type: 'https://concord.dev/problems/insufficient-stock',
      errors: [{ pointer: '/body/lines/0/quantity' }, { pointer: '/body/lines/1/quantity' }],
    });
    const unknown = await call(
      '/reservations',
      send('POST', {
        order_id: orderId(),
        lines: [
          { sku: 'MUG-INV', quantity: 1 },
          { sku: 'NO-SUCH-SKU', quantity: 1 },
        ],
      }),
    );
    expect(unknown.status).toBe(422);
    expect(unknown.body).toMatchObject({ errors: [{ pointer: '/body/lines/1/sku' }] });
    expect(await stock('MUG-INV')).toMatchObject({ available: 1, reserved: 0 });
  });

  it.skipIf(backend.skip)('never oversells under concurrent reservations', async () => {
    await call('/stock/RACE-INV', send('PUT', { available: 5 }));
    const results = await Promise.all(
      Array.from({ length: 12 }, () =>
        call('/reservations', send('POST', { order_id: orderId(), lines: [{ sku: 'RACE-INV', quantity: 1 }] })),
      ),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(5);
    expect(results.filter((r) => r.status === 409)).toHaveLength(7);
    expect(await stock('RACE-INV')).toMatchObject({ available: 0, reserved: 5 });
  });

  it.skipIf(backend.skip)('releases idempotently over HTTP, and 404s an order without a reservation', async () => {
    await call('/stock/REL-INV', send('PUT', { available: 3 }));
    const id = orderId();
    await call('/reservations', send('POST', { order_id: id, lines: [{ sku: 'REL-INV', quantity: 3 }] }));
    const released = await call(`/reservations/${id}/release`, { method: 'POST' });
    expect(released.body).toMatchObject({ status: 'released' });
    expect((await call(`/reservations/${id}/release`, { method: 'POST' })).body).toEqual(released.body);
    expect(await stock('REL-INV')).toMatchObject({ available: 3, reserved: 0 });
    expect((await call('/reservations/ord_00000000zzzz/release', { method: 'POST' })).status).toBe(404);
    const compensated = orderId();
    await call('/reservations', send('POST', { order_id: compensated, lines: [{ sku: 'REL-INV', quantity: 1 }] }));
    await call(`/reservations/${compensated}/release?reason=order_write_failed`, { method: 'POST' });
    expect((await call(`/reservations/${id}/release?reason=lost`, { method: 'POST' })).body).toMatchObject({
      errors: [{ pointer: '/query/reason' }],
    });
    const reasons = await db.query<{ subject: string; reason: string }>(
      "SELECT envelope->>'subject' AS subject, envelope->'data'->>'reason' AS reason FROM outbox WHERE event_type = 'inventory.released' AND envelope->>'subject' IN ($1, $2) ORDER BY seq",
      [id, compensated],
    );
    expect(reasons.rows).toEqual([
      { subject: id, reason: 'manual' },
      { subject: compensated, reason: 'order_write_failed' },
    ]);
    const again = await call('/reservations', send('POST', { order_id: id, lines: [{ sku: 'REL-INV', quantity: 3 }] }));
    expect(again).toMatchObject({ status: 200, body: { status: 'released' } });
  });

  it.skipIf(backend.skip)('releases a cancelled order once when order.cancelled arrives twice (same id, and re-published)', async () => {
    await call('/stock/TEA-INV', send('PUT', { available: 10 }));
    const id = orderId();
    await call('/reservations', send('POST', { order_id: id, lines: [{ sku: 'TEA-INV', quantity: 2 }] }));
    const before = await stock('TEA-INV');
    const event = cancelled(id, `evt-${id}`);
    // Delivered twice by the bus (redelivery), and once more published under another message id.
    await service.onOrderCancelled({ subject: 'concord.order.cancelled', msgId: event.id, envelope: event, deliveryCount: 1 });
    await service.onOrderCancelled({ subject: 'concord.order.cancelled', msgId: event.id, envelope: event, deliveryCount: 2 });
    await env.bus.publish('concord.order.cancelled', event, { msgId: `${event.id}-again` });
    await env.bus.publish('concord.order.cancelled', event, { msgId: `${event.id}-third` });
    // Deliveries on one subject are in order: once a later sentinel is processed, so are the duplicates.
    const sentinel = orderId();
    await call('/reservations', send('POST', { order_id: sentinel, lines: [{ sku: 'TEA-INV', quantity: 1 }] }));
    await env.bus.publish('concord.order.cancelled', cancelled(sentinel, `evt-${sentinel}`), { msgId: `evt-${sentinel}` });
    await eventually(
      async () => ((await call(`/reservations/${sentinel}`)).body.status === 'released' ? true : undefined),
      'the sentinel to be released',
    );
    expect(await stock('TEA-INV')).toMatchObject({ available: before.available + 2, reserved: before.reserved - 2 });
    const released = await db.query<{ envelope: { data: { reason: string } } }>(
      "SELECT envelope FROM outbox WHERE event_type = 'inventory.released' AND envelope->>'subject' = $1",
      [id],
    );
    expect(released.rows.map((r) => r.envelope.data.reason)).toEqual(['order_cancelled']);
  });
});
