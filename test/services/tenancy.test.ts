import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCustomersV2Client } from '@concord/contracts/generated/customers.v2/client.ts';
import { eventCatalog } from '@concord/contracts/generated/events.v1/catalog.ts';
import type { EventName } from '@concord/contracts/generated/events.v1/types.ts';
import type { EventCatalog } from '@concord/contracts/src/events/event-catalog.ts';
import { createCustomerDirectory } from '@concord/service-orders/src/customer-directory.ts';
import { createOrdersService } from '@concord/service-orders/src/orders-service.ts';
import { serveHttp } from '@concord/service-runtime/src/http/serve-http.ts';
import { backendCases, createTestBackend, eventually, type TestBackend } from '@concord/service-runtime/src/testing/test-backends.ts';
import { startServices, type RunningServices, type ServiceName } from '@concord/service-stack/src/start-services.ts';
import { createFanOut } from '@concord/service-webhooks/src/dispatcher/fan-out.ts';
import { orderPlacedEvent } from '@concord/service-webhooks/src/testing/events.ts';
import { startReceiver, type WebhookReceiver } from '@concord/service-webhooks/src/testing/receiver.ts';

const cases = await backendCases();
const PARTNERS = ['partner-a', 'partner-b', 'partner-c'] as const;
type Partner = (typeof PARTNERS)[number];
/** Who calls: a partner (as the gateway forwards it), the internal back office, or nobody. */
type As = Partner | 'internal' | 'nobody';

interface Answer {
  status: number;
  type: string | null;
  body: any;
}

/**
 * Partners are tenants of the system APIs: over real HTTP to the services the stack runs (as the
 * gateway calls them, with x-concord-partner and x-concord-scopes), on the embedded backend and on
 * PostgreSQL + NATS. Three partners each create customers and orders and must see only their own.
 */
describe.each(cases)('partners as tenants on $name', (backend) => {
  let env: TestBackend;
  let stack: RunningServices;
  const faults: { err: unknown; where: string }[] = [];
  const sku = () => `TEN-${env.runId.toUpperCase()}`;
  const own: Record<Partner, { customer: string; order: string; email: string }> = {} as never;

  async function call(as: As, service: ServiceName, method: string, path: string, body?: unknown, extra: Record<string, string> = {}) {
    const headers: Record<string, string> = { ...extra };
    if (as === 'internal') headers['x-concord-scopes'] = 'internal';
    else if (as !== 'nobody') headers['x-concord-partner'] = as;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(stack.urls[service] + path, {
      method,
      headers,
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, type: res.headers.get('content-type'), body: text ? JSON.parse(text) : undefined } as Answer;
  }

  /** A 404 with the id replaced, so two answers about different ids can be compared whole. */
  // The request id is each request's own (a service called directly makes one): not part of the answer compared.
  const normalised = (answer: Answer, id: string) => {
    const { request_id: _own, ...body } = JSON.parse(JSON.stringify(answer.body).replaceAll(id, '<id>')) as Record<string, unknown>;
    return { ...answer, body };
  };

  beforeAll(async () => {
    if (backend.skip) return;
    env = await createTestBackend(backend);
    stack = await startServices({
      bus: env.bus,
      openDatabase: (service: ServiceName) => env.openDatabase(service),
      responseValidation: 'enforce',
      relayPollIntervalMs: 100,
      // The webhook receivers below listen on loopback.
      allowPrivateNetworks: true,
      onError: (err, where) => void faults.push({ err, where }),
    });
    expect((await call('internal', 'inventory', 'PUT', `/stock/${sku()}`, { available: 1000 })).status).toBe(200);
    for (const partner of PARTNERS) {
      // The same email for every partner: it is unique per partner, not across partners.
      const email = `shared+${env.runId}@tenancy.example`;
      const customer = await call(partner, 'customers', 'POST', '/customers', { given_name: 'Ada', family_name: partner, email });
      expect(customer.status).toBe(201);
      const order = await call(partner, 'orders', 'POST', '/orders', {
        customer_id: customer.body.id,
        lines: [{ sku: sku(), quantity: 1 }],
      });
      expect(order.status).toBe(201);
      own[partner] = { customer: customer.body.id, order: order.body.id, email };
    }
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
    await env?.close();
    expect(faults).toEqual([]);
  }, 60_000);

  it.skipIf(backend.skip)('lists only the caller’s own customers and orders', async () => {
    for (const partner of PARTNERS) {
      const others = PARTNERS.filter((p) => p !== partner);
      const customers = (await call(partner, 'customers', 'GET', '/customers?limit=100')).body.data.map((c: { id: string }) => c.id);
      expect(customers).toContain(own[partner].customer);
      for (const other of others) expect(customers).not.toContain(own[other].customer);
      const byEmail = await call(partner, 'customers', 'GET', `/customers?email=${encodeURIComponent(own[partner].email)}`);
      expect(byEmail.body.data.map((c: { id: string }) => c.id)).toEqual([own[partner].customer]);
      const orders = (await call(partner, 'orders', 'GET', '/orders?limit=100')).body.data.map((o: { id: string }) => o.id);
      expect(orders).toContain(own[partner].order);
      for (const other of others) expect(orders).not.toContain(own[other].order);
      const ofOthersCustomer = await call(partner, 'orders', 'GET', `/orders?customer_id=${own[others[0]!].customer}`);
      expect(ofOthersCustomer.body.data).toEqual([]);
    }
  });

  it.skipIf(backend.skip)('answers another partner’s id exactly as a missing id: get, update, cancel, reservation (404)', async () => {
    const a = own['partner-a'];
    const missingCustomer = 'cus_0000missing0';
    const missingOrder = 'ord_0000missing0';
    const pairs: [Answer, string, Answer, string][] = [
      [
        await call('partner-b', 'customers', 'GET', `/customers/${a.customer}`),
        a.customer,
        await call('partner-b', 'customers', 'GET', `/customers/${missingCustomer}`),
        missingCustomer,
      ],
      [
        await call('partner-b', 'customers', 'PATCH', `/customers/${a.customer}`, { email: 'stolen@x.example' }),
        a.customer,
        await call('partner-b', 'customers', 'PATCH', `/customers/${missingCustomer}`, { email: 'stolen@x.example' }),
        missingCustomer,
      ],
      [
        await call('partner-c', 'orders', 'GET', `/orders/${a.order}`),
        a.order,
        await call('partner-c', 'orders', 'GET', `/orders/${missingOrder}`),
        missingOrder,
      ],
      [
        await call('partner-c', 'orders', 'POST', `/orders/${a.order}/cancel`),
        a.order,
        await call('partner-c', 'orders', 'POST', `/orders/${missingOrder}/cancel`),
        missingOrder,
      ],
      [
        await call('partner-b', 'inventory', 'GET', `/reservations/${a.order}`),
        a.order,
        await call('partner-b', 'inventory', 'GET', `/reservations/${missingOrder}`),
        missingOrder,
      ],
      [
        await call('partner-b', 'inventory', 'POST', `/reservations/${a.order}/release`),
        a.order,
        await call('partner-b', 'inventory', 'POST', `/reservations/${missingOrder}/release`),
        missingOrder,
      ],
    ];
    for (const [theirs, theirId, missing, missingId] of pairs) {
      expect(theirs.status).toBe(404);
      expect(theirs.type).toBe('application/problem+json');
      expect(normalised(theirs, theirId)).toEqual(normalised(missing, missingId));
    }
    // Nothing changed: A's customer keeps its email, A's order is still confirmed, its stock held.
    expect((await call('partner-a', 'customers', 'GET', `/customers/${a.customer}`)).body.email).toBe(a.email);
    expect((await call('partner-a', 'orders', 'GET', `/orders/${a.order}`)).body.status).toBe('confirmed');
    expect((await call('partner-a', 'inventory', 'GET', `/reservations/${a.order}`)).body.status).toBe('reserved');
  });

  it.skipIf(backend.skip)('refuses an order for another partner’s customer as for an unknown one (422)', async () => {
    const line = [{ sku: sku(), quantity: 1 }];
    const theirs = await call('partner-b', 'orders', 'POST', '/orders', { customer_id: own['partner-a'].customer, lines: line });
    const unknown = await call('partner-b', 'orders', 'POST', '/orders', { customer_id: 'cus_0000missing0', lines: line });
    expect(theirs.status).toBe(422);
    expect(normalised(theirs, own['partner-a'].customer)).toEqual(normalised(unknown, 'cus_0000missing0'));
  });

  it.skipIf(backend.skip)('updates and cancels the caller’s own resources', async () => {
    const c = own['partner-c'];
    const patched = await call('partner-c', 'customers', 'PATCH', `/customers/${c.customer}`, { phone: '+442071234567' });
    expect(patched).toMatchObject({ status: 200, body: { id: c.customer, phone: '+442071234567' } });
    const order = await call('partner-c', 'orders', 'POST', '/orders', { customer_id: c.customer, lines: [{ sku: sku(), quantity: 2 }] });
    const cancelled = await call('partner-c', 'orders', 'POST', `/orders/${order.body.id}/cancel`);
    expect(cancelled).toMatchObject({ status: 200, body: { status: 'cancelled' } });
    // Inventory releases it from the order.cancelled event, which names the partner.
    await eventually(
      async () =>
        (await call('partner-c', 'inventory', 'GET', `/reservations/${order.body.id}`)).body.status === 'released' ? true : undefined,
      'the cancelled order’s stock to be released',
    );
  });

  it.skipIf(backend.skip)(
    'lets the internal scope see and change every partner’s resources, but not create without a partner',
    async () => {
      const customers = (await call('internal', 'customers', 'GET', '/customers?limit=100')).body.data.map((c: { id: string }) => c.id);
      const orders = (await call('internal', 'orders', 'GET', '/orders?limit=100')).body.data.map((o: { id: string }) => o.id);
      for (const partner of PARTNERS) {
        expect(customers).toContain(own[partner].customer);
        expect(orders).toContain(own[partner].order);
        expect((await call('internal', 'customers', 'GET', `/customers/${own[partner].customer}`)).status).toBe(200);
        expect((await call('internal', 'inventory', 'GET', `/reservations/${own[partner].order}`)).status).toBe(200);
      }
      const b = own['partner-b'];
      expect((await call('internal', 'customers', 'PATCH', `/customers/${b.customer}`, { name_prefix: 'Dr.' })).status).toBe(200);
      expect((await call('partner-b', 'customers', 'GET', `/customers/${b.customer}`)).body.name_prefix).toBe('Dr.');
      const created = await call('internal', 'customers', 'POST', '/customers', {
        given_name: 'No',
        family_name: 'Owner',
        email: 'no@x.example',
      });
      expect(created).toMatchObject({ status: 403, type: 'application/problem+json' });
    },
  );

  it.skipIf(backend.skip)('refuses a request that names no partner and has no internal scope: 401 problem+json', async () => {
    for (const [service, method, path, body] of [
      ['customers', 'GET', '/customers', undefined],
      ['customers', 'GET', `/customers/${own['partner-a'].customer}`, undefined],
      ['customers', 'POST', '/customers', { given_name: 'A', family_name: 'B', email: 'a@b.example' }],
      ['orders', 'GET', '/orders', undefined],
      ['orders', 'POST', '/orders', { customer_id: own['partner-a'].customer, lines: [{ sku: 'X', quantity: 1 }] }],
      ['inventory', 'GET', `/stock/${'TEN-X'}`, undefined],
      ['inventory', 'GET', `/reservations/${own['partner-a'].order}`, undefined],
    ] as const) {
      const res = await call('nobody', service, method, path, body, { 'x-concord-scopes': 'customers:read orders:read' });
      expect(res, `${method} ${path}`).toMatchObject({ status: 401, type: 'application/problem+json' });
    }
    expect((await fetch(`${stack.urls.customers}/healthz`)).status).toBe(200);
  });

  it.skipIf(backend.skip)('keeps Idempotency-Keys per partner: one key from two partners places two orders', async () => {
    const key = `shared-key-${env.runId}`;
    const body = (p: Partner) => ({ customer_id: own[p].customer, lines: [{ sku: sku(), quantity: 1 }] });
    const a = await call('partner-a', 'orders', 'POST', '/orders', body('partner-a'), { 'idempotency-key': key });
    const b = await call('partner-b', 'orders', 'POST', '/orders', body('partner-b'), { 'idempotency-key': key });
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.body.id).not.toBe(a.body.id);
    // Each partner's retry gets its own order back; B's other body under the key is B's own mismatch.
    expect((await call('partner-a', 'orders', 'POST', '/orders', body('partner-a'), { 'idempotency-key': key })).body).toEqual(a.body);
    expect((await call('partner-b', 'orders', 'POST', '/orders', body('partner-b'), { 'idempotency-key': key })).body).toEqual(b.body);
    const otherBody = { ...body('partner-b'), lines: [{ sku: sku(), quantity: 2 }] };
    expect((await call('partner-b', 'orders', 'POST', '/orders', otherBody, { 'idempotency-key': key })).status).toBe(422);
    // A key C never used is still free for C, whatever A and B did with it.
    expect((await call('partner-c', 'orders', 'POST', '/orders', body('partner-c'), { 'idempotency-key': key })).status).toBe(201);
  });

  it.skipIf(backend.skip)(
    'answers a duplicate from the same partner while the first is in flight with 409, and places one order',
    async () => {
      // A second orders service whose calls to inventory wait at a gate, so the first request is
      // provably in flight when the duplicate arrives.
      let open!: () => void;
      const gate = new Promise<void>((resolve) => (open = resolve));
      let arrived!: () => void;
      const atGate = new Promise<void>((resolve) => (arrived = resolve));
      const gated = (async (input: Request) => {
        if (new URL(input.url).pathname === '/reservations') {
          arrived();
          await gate;
        }
        return fetch(input);
      }) as typeof fetch;
      const db = await env.openDatabase('orders_gated');
      const orders = await createOrdersService({
        db,
        bus: env.bus,
        responseValidation: 'enforce',
        onError: (err, where) => void faults.push({ err, where }),
        inventory: { url: stack.urls.inventory, fetch: gated },
        customers: createCustomerDirectory(createCustomersV2Client({ baseUrl: stack.urls.customers })),
      });
      const server = await serveHttp(orders.app, { port: 0 });
      try {
        const post = () =>
          fetch(`${server.url}/orders`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-concord-partner': 'partner-a', 'idempotency-key': `gated-${env.runId}` },
            body: JSON.stringify({ customer_id: own['partner-a'].customer, lines: [{ sku: sku(), quantity: 1 }] }),
          });
        const first = post();
        await atGate;
        const duplicate = await post();
        expect(duplicate.status).toBe(409);
        expect(duplicate.headers.get('retry-after')).toBe('1');
        expect(await duplicate.json()).toMatchObject({ type: 'https://concord.dev/problems/idempotency-conflict' });
        open();
        const placed = await first;
        expect(placed.status).toBe(201);
        const order = (await placed.json()) as { id: string };
        const again = await post();
        expect(again.status).toBe(201);
        expect(((await again.json()) as { id: string }).id).toBe(order.id);
        const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM orders');
        expect(rows[0]!.n).toBe(1);
      } finally {
        await server.close();
      }
    },
  );

  it.skipIf(backend.skip)('puts the owning partner on every event, and delivers webhooks only to the owner', async () => {
    const receivers: Record<Partner, WebhookReceiver> = {} as never;
    const subscriptions: Record<Partner, string> = {} as never;
    try {
      for (const partner of PARTNERS) {
        receivers[partner] = await startReceiver();
        const sub = await call(partner, 'webhooks', 'POST', '/webhooks/subscriptions', {
          url: `${receivers[partner].url}/hooks`,
          event_types: ['order.placed'],
        });
        expect(sub.status).toBe(201);
        subscriptions[partner] = sub.body.id;
      }
      const placed = await call('partner-b', 'orders', 'POST', '/orders', {
        customer_id: own['partner-b'].customer,
        lines: [{ sku: sku(), quantity: 1 }],
      });
      const orderId = placed.body.id as string;
      const { rows: events } = await stack.databases.orders.query<{ envelope: { type: string; partner?: string } }>(
        "SELECT envelope FROM outbox WHERE envelope->>'subject' = $1 ORDER BY seq",
        [orderId],
      );
      expect(events.map((e) => [e.envelope.type, e.envelope.partner])).toEqual([
        ['order.placed', 'partner-b'],
        ['order.confirmed', 'partner-b'],
      ]);
      const hasOrder = (r: WebhookReceiver) => r.received.some((w) => (JSON.parse(w.body) as { subject: string }).subject === orderId);
      await receivers['partner-b'].waitFor(() => hasOrder(receivers['partner-b']), 20_000, 'partner-b’s order.placed webhook');
      // The fan-out wrote every delivery of the message in one statement: the others have none.
      const { rows: deliveries } = await stack.databases.webhooks.query<{ subscription_id: string }>(
        "SELECT d.subscription_id FROM webhook_deliveries d JOIN webhook_messages m ON m.id = d.message_id WHERE m.body::jsonb->>'subject' = $1",
        [orderId],
      );
      expect(deliveries.map((d) => d.subscription_id)).toEqual([subscriptions['partner-b']]);
      expect(hasOrder(receivers['partner-a']) || hasOrder(receivers['partner-c'])).toBe(false);
      // Replay cannot hand another partner the message either.
      const replayed = await call('partner-a', 'webhooks', 'POST', `/webhooks/subscriptions/${subscriptions['partner-a']}/replay`, {
        since: '2000-01-01T00:00:00Z',
      });
      expect(replayed.status).toBeLessThan(300);
      const { rows: afterReplay } = await stack.databases.webhooks.query<{ subscription_id: string }>(
        "SELECT d.subscription_id FROM webhook_deliveries d JOIN webhook_messages m ON m.id = d.message_id WHERE m.body::jsonb->>'subject' = $1",
        [orderId],
      );
      expect(afterReplay.map((d) => d.subscription_id)).toEqual([subscriptions['partner-b']]);

      // An event type the contract gives `x-concord-audience: all` reaches every partner's subscription.
      const toAll: EventCatalog<EventName> = { ...eventCatalog, 'order.placed': { ...eventCatalog['order.placed'], audience: 'all' } };
      for (const [catalog, expected] of [
        [eventCatalog, [subscriptions['partner-c']]],
        [toAll, PARTNERS.map((p) => subscriptions[p]).sort()],
      ] as const) {
        const event = orderPlacedEvent({ partner: 'partner-c' });
        await createFanOut({ db: stack.databases.webhooks, clock: { now: () => new Date() }, catalog })({
          subject: eventCatalog['order.placed'].channel,
          msgId: event.id,
          envelope: event,
          deliveryCount: 1,
        });
        const { rows } = await stack.databases.webhooks.query<{ subscription_id: string }>(
          'SELECT subscription_id FROM webhook_deliveries WHERE message_id = $1 ORDER BY subscription_id',
          [event.id],
        );
        expect(rows.map((r) => r.subscription_id)).toEqual([...expected].sort());
      }
    } finally {
      for (const r of Object.values(receivers)) await r.close();
    }
  });

  it.skipIf(backend.skip)(
    'refuses NUL, lone surrogates and out-of-range numbers with 400 and a pointer, never 500, logging nothing',
    async () => {
      const email = `nul+${env.runId}@tenancy.example`;
      const base = { given_name: 'Nul', family_name: 'Case', email, phone: '+442071234567' };
      const faultsBefore = faults.length;
      const a = own['partner-a'];
      const cases: [ServiceName, string, string, unknown, string][] = [
        ['customers', 'POST', '/customers', { ...base, given_name: 'Ada\u0000' }, '/body/given_name'],
        ['customers', 'POST', '/customers', `${JSON.stringify(base).slice(0, -1)},"name_prefix":"Dr\\ud800"}`, '/body/name_prefix'],
        ['customers', 'POST', '/customers', `${JSON.stringify(base).slice(0, -1)},"name_prefix":"\\udc00Dr"}`, '/body/name_prefix'],
        [
          'customers',
          'POST',
          '/customers',
          { ...base, address: { line1: '1 Main St\u0000', city: 'London', postal_code: 'N1', country: 'GB' } },
          '/body/address/line1',
        ],
        ['customers', 'PATCH', `/customers/${a.customer}`, { family_name: 'Love\u0000lace' }, '/body/family_name'],
        ['customers', 'GET', `/customers?email=${encodeURIComponent('a\u0000@x.example')}`, undefined, '/query/email'],
        ['inventory', 'PUT', `/stock/${sku()}`, { available: 5, name: 'Tea\u0000' }, '/body/name'],
        ['inventory', 'PUT', `/stock/${sku()}`, { available: 2147483648 }, '/body/available'],
        ['inventory', 'PUT', `/stock/${sku()}`, '{"available": 1e400}', '/body/available'],
        ['orders', 'POST', '/orders', { customer_id: a.customer, lines: [{ sku: sku(), quantity: 2147483648 }] }, '/body/lines/0/quantity'],
        [
          'orders',
          'POST',
          '/orders',
          `{"customer_id":"${a.customer}","lines":[{"sku":"${sku()}","quantity":99999999999999999999}]}`,
          '/body/lines/0/quantity',
        ],
      ];
      for (const [service, method, path, body, pointer] of cases) {
        const res = await call('partner-a', service, method, path, body);
        expect(res, `${method} ${path} ${JSON.stringify(body)}`).toMatchObject({ status: 400, type: 'application/problem+json' });
        expect(res.body.errors.map((e: { pointer: string }) => e.pointer)).toContain(pointer);
      }
      expect((await call('partner-a', 'customers', 'GET', `/customers?email=${encodeURIComponent(email)}`)).body.data).toEqual([]);
      expect((await call('partner-a', 'customers', 'GET', `/customers/${a.customer}`)).body.family_name).toBe('partner-a');
      expect(faults.slice(faultsBefore)).toEqual([]);
    },
  );
});
