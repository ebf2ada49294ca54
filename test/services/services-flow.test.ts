import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCustomersV2Client } from '@concord/contracts/generated/customers.v2/client.ts';
import { createInventoryV1Client } from '@concord/contracts/generated/inventory.v1/client.ts';
import { createOrdersV1Client } from '@concord/contracts/generated/orders.v1/client.ts';
import { eventCatalog } from '@concord/contracts/generated/events.v1/catalog.ts';
import type { EventName } from '@concord/contracts/generated/events.v1/types.ts';
import { startServices, type RunningServices, type ServiceName } from '@concord/service-stack/src/start-services.ts';
import { backendCases, createTestBackend, eventually, type TestBackend } from '@concord/service-runtime/src/testing/test-backends.ts';

const cases = await backendCases();
const PARTNER = 'partner-flow';

/**
 * The "done when", end to end over HTTP through the generated clients: the same suite on
 * the embedded defaults and on PostgreSQL + NATS JetStream (a private stream per run).
 */
describe.each(cases)('the three system APIs on $name', (backend) => {
  let env: TestBackend;
  let stack: RunningServices;
  const faults: { err: unknown; where: string }[] = [];
  let customers: ReturnType<typeof createCustomersV2Client>;
  let orders: ReturnType<typeof createOrdersV1Client>;
  let inventory: ReturnType<typeof createInventoryV1Client>;

  beforeAll(async () => {
    if (backend.skip) return;
    env = await createTestBackend(backend);
    stack = await startServices({
      bus: env.bus,
      openDatabase: (service: ServiceName) => env.openDatabase(service),
      responseValidation: 'enforce',
      relayPollIntervalMs: 200,
      onError: (err, where) => void faults.push({ err, where }),
    });
    // As the gateway calls them: for one partner, who owns every customer and order made here.
    const headers = { 'x-concord-partner': PARTNER };
    customers = createCustomersV2Client({ baseUrl: stack.urls.customers, headers });
    orders = createOrdersV1Client({ baseUrl: stack.urls.orders, headers });
    inventory = createInventoryV1Client({ baseUrl: stack.urls.inventory, headers });
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
    await env?.close();
    expect(faults).toEqual([]);
  }, 60_000);

  /** Every outbox row of every service, i.e. every event the services committed. */
  async function committedEvents(): Promise<{ id: string; type: EventName; subject: string }[]> {
    const all = [];
    for (const db of Object.values(stack.databases)) {
      const { rows } = await db.query<{ event_id: string; event_type: EventName; subject: string }>(
        "SELECT event_id, event_type, envelope->>'subject' AS subject FROM outbox ORDER BY seq",
      );
      all.push(...rows.map((r) => ({ id: r.event_id, type: r.event_type, subject: r.subject })));
    }
    return all;
  }

  async function stockOf(sku: string) {
    const { data } = await inventory.GET('/stock/{sku}', { params: { path: { sku } } });
    return data!;
  }

  it.skipIf(backend.skip)(
    'customer, stock, order, cancel: the stock comes back and each event is on its subject exactly once',
    async () => {
      const sku = `FLOW-${env.runId.toUpperCase()}`;
      const customer = await customers.POST('/customers', {
        body: { given_name: 'Grace', family_name: 'Hopper', email: `grace+${env.runId}@navy.example` },
      });
      expect(customer.response.status).toBe(201);
      await inventory.PUT('/stock/{sku}', { params: { path: { sku } }, body: { available: 10, name: 'Flow test tea' } });

      const placed = await orders.POST('/orders', { body: { customer_id: customer.data!.id, lines: [{ sku, quantity: 4 }] } });
      expect(placed.response.status).toBe(201);
      expect(placed.data!.status).toBe('confirmed');
      expect(await stockOf(sku)).toMatchObject({ available: 6, reserved: 4 });

      const cancelled = await orders.POST('/orders/{orderId}/cancel', { params: { path: { orderId: placed.data!.id } } });
      expect(cancelled.data!.status).toBe('cancelled');
      // Released by inventory's consumer of order.cancelled: eventually, not in the cancel request.
      await eventually(async () => ((await stockOf(sku)).reserved === 0 ? true : undefined), 'the stock to be released');
      expect(await stockOf(sku)).toMatchObject({ available: 10, reserved: 0 });

      const orderId = placed.data!.id;
      const expected: [EventName, string][] = [
        ['customer.created', customer.data!.id],
        ['order.placed', orderId],
        ['order.confirmed', orderId],
        ['inventory.reserved', orderId],
        ['order.cancelled', orderId],
        ['inventory.released', orderId],
      ];
      const committed = (await committedEvents()).filter((e) => e.subject === orderId || e.subject === customer.data!.id);
      expect(committed.map((e) => e.type).sort()).toEqual(expected.map(([type]) => type).sort());
      const stream = await eventually(async () => {
        const all = await env.bus.readAll();
        return committed.every((e) => all.some((m) => m.msgId === e.id)) ? all : undefined;
      }, 'every committed event on the bus');
      for (const event of committed) {
        const copies = stream.filter((m) => m.msgId === event.id);
        expect(copies, `${event.type} ${event.id}`).toHaveLength(1);
        expect(copies[0]!.subject).toBe(eventCatalog[event.type].channel);
        expect(copies[0]!.envelope).toMatchObject({ specversion: '1.0', id: event.id, type: event.type, subject: event.subject });
      }
    },
  );

  it.skipIf(backend.skip)('loses nothing committed while a relay is down: after restart each event is published once', async () => {
    const sku = `RELAY-${env.runId.toUpperCase()}`;
    await inventory.PUT('/stock/{sku}', { params: { path: { sku } }, body: { available: 5 } });
    await stack.services.orders.stop();
    const placed = await orders.POST('/orders', { body: { customer_id: 'cus_relaytest1', lines: [{ sku, quantity: 1 }] } });
    expect(placed.response.status).toBe(422);
    const customer = await customers.POST('/customers', {
      body: { given_name: 'Relay', family_name: 'Test', email: `relay+${env.runId}@x.example` },
    });
    const order = await orders.POST('/orders', { body: { customer_id: customer.data!.id, lines: [{ sku, quantity: 1 }] } });
    const mine = (await committedEvents()).filter((e) => e.subject === order.data!.id && e.type.startsWith('order.'));
    expect(mine.map((e) => e.type)).toEqual(['order.placed', 'order.confirmed']);
    expect((await env.bus.readAll()).filter((m) => mine.some((e) => e.id === m.msgId))).toEqual([]);

    await stack.services.orders.start();
    const stream = await eventually(async () => {
      const all = await env.bus.readAll();
      return mine.every((e) => all.some((m) => m.msgId === e.id)) ? all : undefined;
    }, 'the events committed while the relay was down');
    for (const event of mine) expect(stream.filter((m) => m.msgId === event.id)).toHaveLength(1);
  });

  it.skipIf(backend.skip)('releases once when order.cancelled is delivered twice', async () => {
    const sku = `TWICE-${env.runId.toUpperCase()}`;
    await inventory.PUT('/stock/{sku}', { params: { path: { sku } }, body: { available: 8 } });
    const customer = await customers.POST('/customers', {
      body: { given_name: 'Twice', family_name: 'Delivered', email: `twice+${env.runId}@x.example` },
    });
    const first = await orders.POST('/orders', { body: { customer_id: customer.data!.id, lines: [{ sku, quantity: 3 }] } });
    const second = await orders.POST('/orders', { body: { customer_id: customer.data!.id, lines: [{ sku, quantity: 2 }] } });
    await orders.POST('/orders/{orderId}/cancel', { params: { path: { orderId: first.data!.id } } });
    await eventually(async () => ((await stockOf(sku)).reserved === 2 ? true : undefined), 'the first release');

    // The same event again, as a redelivery under another message id would bring it.
    const cancelledEvent = (await env.bus.readAll()).find(
      (m) => m.subject === 'concord.order.cancelled' && (m.envelope as { subject: string }).subject === first.data!.id,
    )!;
    await env.bus.publish(cancelledEvent.subject, cancelledEvent.envelope, { msgId: `${cancelledEvent.msgId}-redelivered` });
    // A later cancellation on the same subject proves the duplicate was consumed before it.
    await orders.POST('/orders/{orderId}/cancel', { params: { path: { orderId: second.data!.id } } });
    await eventually(async () => ((await stockOf(sku)).reserved === 0 ? true : undefined), 'the second release');
    expect(await stockOf(sku)).toMatchObject({ available: 8, reserved: 0 });
    const releases = (await committedEvents()).filter((e) => e.type === 'inventory.released' && e.subject === first.data!.id);
    expect(releases).toHaveLength(1);
  });

  it.skipIf(backend.skip)('answers client errors as problem+json 4xx: 409, 422, 400 with pointers, never 500', async () => {
    const sku = `ERR-${env.runId.toUpperCase()}`;
    await inventory.PUT('/stock/{sku}', { params: { path: { sku } }, body: { available: 1 } });
    const customer = await customers.POST('/customers', {
      body: { given_name: 'Err', family_name: 'Case', email: `err+${env.runId}@x.example` },
    });
    const cases: [string, string, RequestInit, number, string[]][] = [
      [
        'orders',
        '/orders',
        { method: 'POST', body: JSON.stringify({ customer_id: customer.data!.id, lines: [{ sku, quantity: 2 }] }) },
        409,
        ['/body/lines/0/quantity'],
      ],
      [
        'orders',
        '/orders',
        { method: 'POST', body: JSON.stringify({ customer_id: customer.data!.id, lines: [{ sku: 'NO-SUCH-SKU', quantity: 1 }] }) },
        422,
        ['/body/lines/0/sku'],
      ],
      [
        'orders',
        '/orders',
        { method: 'POST', body: JSON.stringify({ customer_id: 'x', lines: [] }) },
        400,
        ['/body/customer_id', '/body/lines'],
      ],
      ['orders', '/orders', { method: 'POST', body: '{not json' }, 400, ['/body']],
      [
        'customers',
        '/customers',
        { method: 'POST', body: JSON.stringify({ given_name: 'A', family_name: 'B', email: `ERR+${env.runId}@x.example` }) },
        409,
        ['/body/email'],
      ],
      ['customers', '/customers', { method: 'POST', body: JSON.stringify({ given_name: 'A' }) }, 400, ['/body/email', '/body/family_name']],
      [
        'inventory',
        '/reservations',
        { method: 'POST', body: JSON.stringify({ order_id: 'ord_errcase0001', lines: [{ sku, quantity: 1001 }] }) },
        400,
        ['/body/lines/0/quantity'],
      ],
      ['orders', '/orders/not-an-id', { method: 'GET' }, 400, ['/path/orderId']],
      ['orders', '/orders/ord_00000000zzzz/cancel', { method: 'POST' }, 404, []],
    ];
    for (const [service, path, init, status, pointers] of cases) {
      const res = await fetch(stack.urls[service as ServiceName] + path, {
        ...init,
        headers: { 'content-type': 'application/json', 'x-concord-partner': PARTNER },
      });
      const body = (await res.json()) as { status: number; errors?: { pointer: string }[] };
      expect([path, res.status, res.headers.get('content-type')]).toEqual([path, status, 'application/problem+json']);
      expect(body.status).toBe(status);
      expect((body.errors ?? []).map((e) => e.pointer).sort()).toEqual(pointers);
    }
  });
});
