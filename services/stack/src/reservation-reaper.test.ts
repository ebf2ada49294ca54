import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@concord/service-runtime/src/testing/test-backends.ts';
import { startServices, type RunningServices } from './start-services.ts';

const json = { 'content-type': 'application/json' };

/** The reaper across real services: inventory asks the orders started beside it, over HTTP. */
describe('the reservation reaper in the stack (embedded)', () => {
  let stack: RunningServices;
  beforeAll(async () => {
    stack = await startServices({ dataDir: 'memory://', reaper: { ttlMs: 1500, intervalMs: 100 }, commitDeadlineMs: 700 });
  });
  afterAll(() => stack?.close());

  // As the gateway calls them: for one partner, who owns the customer, order and reservations.
  const call = async (url: string, init: RequestInit = {}) => {
    const res = await fetch(url, {
      ...init,
      headers: { ...(init.headers as Record<string, string>), 'x-concord-partner': 'partner-reaper' },
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it("releases stock held for an order that was never written, and never a committed order's", async () => {
    const inventory = stack.urls.inventory;
    await call(`${inventory}/stock/REAP-1`, { method: 'PUT', headers: json, body: JSON.stringify({ available: 10 }) });
    // What an orders replica killed between reserving and writing leaves behind.
    const stranded = 'ord_strandedReap01';
    expect(
      (
        await call(`${inventory}/reservations`, {
          method: 'POST',
          headers: json,
          body: JSON.stringify({ order_id: stranded, lines: [{ sku: 'REAP-1', quantity: 3 }] }),
        })
      ).status,
    ).toBe(201);
    const customer = await call(`${stack.urls.customers}/customers`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ given_name: 'R', family_name: 'Eaper', email: 'reaper@x.example' }),
    });
    const order = await call(`${stack.urls.orders}/orders`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ customer_id: customer.body.id, lines: [{ sku: 'REAP-1', quantity: 2 }] }),
    });
    expect(order.status).toBe(201);

    await eventually(
      async () => ((await call(`${inventory}/reservations/${stranded}`)).body.status === 'released' ? true : undefined),
      'the stranded reservation to be released',
    );
    const db = stack.databases.inventory;
    await eventually(async () => {
      const { rows } = await db.query('SELECT 1 FROM reservations WHERE order_id = $1 AND confirmed_at IS NOT NULL', [
        order.body.id as string,
      ]);
      return rows.length === 1 ? true : undefined;
    }, "the committed order's reservation to be confirmed");

    expect((await call(`${inventory}/reservations/${order.body.id}`)).body.status).toBe('reserved');
    // Each reservation carries its expiry: made + the reaper's TTL.
    const expiries = await db.query<{ ttl_ms: number }>(
      'SELECT (EXTRACT(EPOCH FROM expires_at - created_at) * 1000)::int AS ttl_ms FROM reservations WHERE order_id IN ($1, $2)',
      [stranded, order.body.id as string],
    );
    expect(expiries.rows).toEqual([{ ttl_ms: 1500 }, { ttl_ms: 1500 }]);
    expect((await call(`${inventory}/stock/REAP-1`)).body).toMatchObject({ available: 8, reserved: 2 });
    const released = await db.query<{ subject: string; reason: string }>(
      "SELECT envelope->>'subject' AS subject, envelope->'data'->>'reason' AS reason FROM outbox WHERE event_type = 'inventory.released'",
    );
    expect(released.rows).toEqual([{ subject: stranded, reason: 'order_write_failed' }]);
  });
});
