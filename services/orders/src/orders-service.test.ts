import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInventoryService, type InventoryService } from '@concord/service-inventory/src/inventory-service.ts';
import type { Database } from '@concord/service-runtime/src/database/database.ts';
import { asPartner } from '@concord/service-runtime/src/tenancy/as-caller.ts';
import { backendCases, createTestBackend, type TestBackend } from '@concord/service-runtime/src/testing/test-backends.ts';
import type { OrderRepository } from './order-repository.ts';
import { sqlOrderRepository } from './order-repository.ts';
import { createOrdersService, type OrdersService, type OrdersServiceDeps } from './orders-service.ts';

const cases = await backendCases();
const CUSTOMER = 'cus_ordertest1';
const post = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});
const order = (lines: { sku: string; quantity: number }[], customer_id = CUSTOMER) => ({ customer_id, lines });

describe.each(cases)('orders.v1 on $name', (backend) => {
  let env: TestBackend;
  let inventory: InventoryService;
  let db: Database;
  let inventoryDb: Database;
  let reserveCalls = 0;
  const faults: { err: unknown; where: string }[] = [];
  const onError = (err: unknown, where: string) => void faults.push({ err, where });
  // Orders reaches inventory over "HTTP" through the generated client; here the fetch goes straight into its app.
  const inventoryFetch = async (input: Request) => {
    if (new URL(input.url).pathname === '/reservations') reserveCalls++;
    return inventory.app.fetch(input);
  };

  async function makeOrders(overrides: Partial<OrdersServiceDeps> = {}): Promise<OrdersService> {
    return createOrdersService({
      db,
      bus: env.bus,
      responseValidation: 'enforce',
      onError,
      inventory: { url: 'http://inventory.test', fetch: inventoryFetch as typeof fetch },
      customers: { exists: async (id) => id === CUSTOMER },
      ...overrides,
    });
  }

  let orders: OrdersService;
  beforeAll(async () => {
    if (backend.skip) return;
    env = await createTestBackend(backend);
    inventoryDb = await env.openDatabase('inventory');
    inventory = await createInventoryService({ db: inventoryDb, bus: env.bus, onError });
    db = await env.openDatabase('orders');
    orders = await makeOrders();
    for (const [sku, available] of [
      ['TEA-ORD', 100],
      ['MUG-ORD', 1],
    ] as const) {
      await inventory.app.request(
        `/stock/${sku}`,
        asPartner('partner-a', {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ available }),
        }),
      );
    }
  });
  afterAll(async () => {
    await env?.close();
  });

  const call = async (path: string, init?: RequestInit, app = orders.app) => {
    const res = await app.request(path, asPartner('partner-a', init));
    return {
      status: res.status,
      type: res.headers.get('content-type'),
      location: res.headers.get('location'),
      body: (await res.json()) as Record<string, unknown>,
    };
  };
  const reservation = async (orderId: string) =>
    ((await (await inventory.app.request(`/reservations/${orderId}`, asPartner('partner-a'))).json()) as { status?: string }).status;
  const eventTypes = async (orderId: string) =>
    (
      await db.query<{ event_type: string }>("SELECT event_type FROM outbox WHERE envelope->>'subject' = $1 ORDER BY seq", [orderId])
    ).rows.map((r) => r.event_type);

  it.skipIf(backend.skip)('places a confirmed order: 201, Location, stock reserved, order.placed then order.confirmed', async () => {
    const res = await call('/orders', post(order([{ sku: 'TEA-ORD', quantity: 2 }])));
    expect(res).toMatchObject({ status: 201, body: { status: 'confirmed', rejection_reason: null, cancelled_at: null } });
    const id = res.body.id as string;
    expect(res.location).toBe(`/orders/${id}`);
    expect(await reservation(id)).toBe('reserved');
    expect(await eventTypes(id)).toEqual(['order.placed', 'order.confirmed']);
    expect((await call(`/orders/${id}`)).body).toEqual(res.body);
  });

  it.skipIf(backend.skip)('records a rejected order when stock is short: 409 whose instance is the order', async () => {
    const res = await call('/orders', post(order([{ sku: 'MUG-ORD', quantity: 2 }])));
    expect(res.status).toBe(409);
    expect(res.type).toBe('application/problem+json');
    expect(res.body).toMatchObject({
      type: 'https://concord.dev/problems/insufficient-stock',
      errors: [{ pointer: '/body/lines/0/quantity' }],
    });
    const rejected = await call(res.body.instance as string);
    expect(rejected.body).toMatchObject({ status: 'rejected', rejection_reason: expect.stringContaining('MUG-ORD') });
    expect(await eventTypes(rejected.body.id as string)).toEqual(['order.placed']);
  });

  it.skipIf(backend.skip)('answers unknown SKUs and customers with 422 and pointers, storing nothing', async () => {
    const before = ((await call('/orders?limit=100')).body.data as unknown[]).length;
    const sku = await call(
      '/orders',
      post(
        order([
          { sku: 'TEA-ORD', quantity: 1 },
          { sku: 'NO-SUCH-SKU', quantity: 1 },
        ]),
      ),
    );
    expect(sku).toMatchObject({ status: 422, body: { errors: [{ pointer: '/body/lines/1/sku' }] } });
    const customer = await call('/orders', post(order([{ sku: 'TEA-ORD', quantity: 1 }], 'cus_nobody000')));
    expect(customer).toMatchObject({ status: 422, body: { errors: [{ pointer: '/body/customer_id' }] } });
    expect(((await call('/orders?limit=100')).body.data as unknown[]).length).toBe(before);
  });

  it.skipIf(backend.skip)('answers an invalid body or header with 400 and pointers', async () => {
    const res = await call('/orders', post({ customer_id: 'nope', lines: [{ sku: 'tea', quantity: 0 }] }));
    expect(res.status).toBe(400);
    const pointers = (res.body.errors as { pointer: string }[]).map((e) => e.pointer).sort();
    expect(pointers).toEqual(['/body/customer_id', '/body/lines/0/quantity', '/body/lines/0/sku']);
    const header = await call('/orders', post(order([{ sku: 'TEA-ORD', quantity: 1 }]), { 'idempotency-key': 'x'.repeat(300) }));
    expect(header).toMatchObject({ status: 400, body: { errors: [{ pointer: '/headers/idempotency-key' }] } });
  });

  it.skipIf(backend.skip)(
    'replays an Idempotency-Key: same body -> same response and no second order or reservation; other body -> 422',
    async () => {
      const key = `key-${env.runId}`;
      const body = order([{ sku: 'TEA-ORD', quantity: 1 }]);
      const calls = reserveCalls;
      const first = await call('/orders', post(body, { 'Idempotency-Key': key }));
      const second = await call('/orders', post({ lines: body.lines, customer_id: body.customer_id }, { 'Idempotency-Key': key }));
      expect(first.status).toBe(201);
      expect(second).toEqual(first);
      expect(reserveCalls - calls).toBe(1);
      const mine = ((await call(`/orders?customer_id=${CUSTOMER}&limit=100`)).body.data as { id: string }[]).filter(
        (o) => o.id === first.body.id,
      );
      expect(mine).toHaveLength(1);
      const other = await call('/orders', post(order([{ sku: 'TEA-ORD', quantity: 2 }]), { 'Idempotency-Key': key }));
      expect(other).toMatchObject({ status: 422, body: { type: 'https://concord.dev/problems/idempotency-key-reused' } });
      const rejectedKey = `${key}-409`;
      // The same request id both times: the replay is the first answer, with the request id of its request.
      const headers = { 'Idempotency-Key': rejectedKey, 'x-request-id': 'req-replayed' };
      const rejected = await call('/orders', post(order([{ sku: 'MUG-ORD', quantity: 5 }]), headers));
      expect(rejected.status).toBe(409);
      expect(rejected.body.request_id).toBe('req-replayed');
      expect(await call('/orders', post(order([{ sku: 'MUG-ORD', quantity: 5 }]), headers))).toEqual(rejected);
    },
  );

  it.skipIf(backend.skip)(
    'places one order for concurrent requests with one Idempotency-Key: the others get it replayed or 409 while it is in flight',
    async () => {
      const key = `race-${env.runId}`;
      const stockBefore = ((await (await inventory.app.request('/stock/TEA-ORD', asPartner('partner-a'))).json()) as { reserved: number })
        .reserved;
      const body = order([{ sku: 'TEA-ORD', quantity: 5 }]);
      const results = await Promise.all(Array.from({ length: 4 }, () => call('/orders', post(body, { 'Idempotency-Key': key }))));
      const placed = results.filter((r) => r.status === 201);
      const inFlight = results.filter((r) => r.status === 409);
      expect(placed.length + inFlight.length).toBe(4);
      expect(placed.length).toBeGreaterThan(0);
      expect(new Set(placed.map((r) => r.body.id)).size).toBe(1);
      for (const r of inFlight) expect(r.body).toMatchObject({ type: 'https://concord.dev/problems/idempotency-conflict' });
      const stockAfter = ((await (await inventory.app.request('/stock/TEA-ORD', asPartner('partner-a'))).json()) as { reserved: number })
        .reserved;
      expect(stockAfter - stockBefore).toBe(5);
    },
  );

  it.skipIf(backend.skip)('cancels only confirmed orders: 200 then 409; unknown 404', async () => {
    const placed = await call('/orders', post(order([{ sku: 'TEA-ORD', quantity: 1 }])));
    const id = placed.body.id as string;
    const cancelled = await call(`/orders/${id}/cancel`, { method: 'POST' });
    expect(cancelled).toMatchObject({ status: 200, body: { status: 'cancelled', cancelled_at: expect.any(String) } });
    expect(await eventTypes(id)).toEqual(['order.placed', 'order.confirmed', 'order.cancelled']);
    expect(await call(`/orders/${id}/cancel`, { method: 'POST' })).toMatchObject({ status: 409, body: { instance: `/orders/${id}` } });
    expect((await call('/orders/ord_00000000zzzz/cancel', { method: 'POST' })).status).toBe(404);
  });

  it.skipIf(backend.skip)("answers 503 (not 500, not the client's fault) when inventory times out or cannot be reached", async () => {
    const released: string[] = [];
    const hanging = await makeOrders({
      inventory: {
        url: 'http://inventory.test',
        timeoutMs: 50,
        fetch: ((req: Request) => {
          if (new URL(req.url).pathname.endsWith('/release')) {
            released.push(req.url);
            return inventory.app.fetch(req);
          }
          return new Promise<Response>((_, reject) => req.signal.addEventListener('abort', () => reject(req.signal.reason)));
        }) as typeof fetch,
      },
    });
    const slow = await call('/orders', post(order([{ sku: 'TEA-ORD', quantity: 1 }])), hanging.app);
    expect(slow).toMatchObject({ status: 503, type: 'application/problem+json' });
    expect(released).toHaveLength(1);
    const down = await makeOrders({ inventory: { url: 'http://127.0.0.1:9', timeoutMs: 1000 } });
    expect(await call('/orders', post(order([{ sku: 'TEA-ORD', quantity: 1 }])), down.app)).toMatchObject({ status: 503 });
  });

  it.skipIf(backend.skip)('releases the reservation when the order cannot be written after it (compensation)', async () => {
    let placedId = '';
    const failing: OrderRepository = {
      ...sqlOrderRepository,
      async insert(_tx, _partner, o) {
        placedId = o.id;
        throw new Error('disk full');
      },
    };
    const broken = await makeOrders({ repository: failing });
    const faultCount = faults.length;
    const res = await call('/orders', post(order([{ sku: 'TEA-ORD', quantity: 3 }])), broken.app);
    expect(res).toMatchObject({ status: 500, type: 'application/problem+json' });
    expect(JSON.stringify(res.body)).not.toContain('disk full');
    expect(await reservation(placedId)).toBe('released');
    const released = await inventoryDb.query<{ reason: string }>(
      "SELECT envelope->'data'->>'reason' AS reason FROM outbox WHERE event_type = 'inventory.released' AND envelope->>'subject' = $1",
      [placedId],
    );
    expect(released.rows).toEqual([{ reason: 'order_write_failed' }]);
    expect(faults.slice(faultCount).map((f) => f.where)).toEqual(['orders.http']);
    expect((await call(`/orders/${placedId}`)).status).toBe(404);
  });
});
