/**
 * Issue 4, end to end: the real gateway process (startGateway: config file, env overrides, HTTP
 * server) in front of the real system APIs (startServices, embedded). Every response the gateway
 * forwards is validated against the public contract it serves.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServices, type RunningServices } from '@concord/service-stack/src/start-services.ts';
import type { RunningGateway } from '@concord/gateway/src/main.ts';
import { issueTestToken } from '@concord/gateway/src/partners/testing/issue-test-token.ts';
import { startFakeUpstream, unusedUrl, type FakeUpstream } from '@concord/gateway/src/testing/fake-upstream.ts';
import { startLocalGateway, writeGatewayConfig } from '../support/local-gateway.ts';
import { conforming, gatewayProblem } from './contract-conformance.ts';

describe('the gateway in front of the real system APIs', () => {
  let dir: string;
  let services: RunningServices;
  let gateway: RunningGateway;
  let auth: Record<string, string>;
  let base: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'concord-e2e-'));
    services = await startServices({ dataDir: 'memory://', responseValidation: 'enforce' });
    await writeGatewayConfig(join(dir, 'gateway.config.yaml'));
    gateway = await startLocalGateway(join(dir, 'gateway.config.yaml'), services.urls);
    base = gateway.url;
    auth = { authorization: `Bearer ${await issueTestToken(base)}` };
  }, 60_000);
  afterAll(async () => {
    await gateway?.close();
    await services?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const send = (path: string, init: RequestInit = {}) =>
    fetch(base + path, { ...init, headers: { ...auth, ...(init.headers as Record<string, string>) } });
  const sendJson = (method: string, path: string, body: unknown, contentType = 'application/json') =>
    send(path, { method, headers: { 'content-type': contentType }, body: JSON.stringify(body) });

  it('v2: create, get, list and update a customer', async () => {
    const created = await sendJson('POST', '/v2/customers', {
      name_prefix: 'Dr.',
      given_name: 'Ada',
      family_name: 'Lovelace',
      email: 'ada.e2e@example.com',
    });
    expect(created.status).toBe(201);
    const customer = await conforming<{ id: string }>('customers.v2', 'createCustomer', created);
    expect(created.headers.get('location')).toBe(`/v2/customers/${customer.id}`);
    expect(created.headers.get('x-request-id')).toBeTruthy();

    const read = await send(`/v2/customers/${customer.id}`);
    expect(read.status).toBe(200);
    expect(await conforming('customers.v2', 'getCustomer', read)).toMatchObject({ given_name: 'Ada', family_name: 'Lovelace' });

    const list = await send('/v2/customers?limit=10');
    expect(list.status).toBe(200);
    const page = await conforming<{ data: { id: string }[] }>('customers.v2', 'listCustomers', list);
    expect(page.data.map((c) => c.id)).toContain(customer.id);

    const updated = await sendJson(
      'PATCH',
      `/v2/customers/${customer.id}`,
      { phone: '+442071234567', name_prefix: null },
      'application/merge-patch+json',
    );
    expect(updated.status).toBe(200);
    expect(await conforming('customers.v2', 'updateCustomer', updated)).toMatchObject({ phone: '+442071234567', name_prefix: null });
  });

  it('v1 through the adapter: full_name and the three lifecycle headers', async () => {
    const created = await sendJson('POST', '/v1/customers', { full_name: 'Prof. Grace Brewster Hopper', email: 'grace.e2e@example.com' });
    expect(created.status).toBe(201);
    const customer = await conforming<{ id: string; full_name: string }>('customers.v1', 'createCustomer', created);
    expect(customer.full_name).toBe('Prof. Grace Brewster Hopper');
    expect(created.headers.get('location')).toBe(`/v1/customers/${customer.id}`);
    for (const res of [created, await send(`/v1/customers/${customer.id}`)]) {
      expect(res.headers.get('deprecation')).toMatch(/^@\d+$/);
      expect(res.headers.get('sunset')).toMatch(/GMT$/);
      expect(res.headers.get('link')).toBe('</v2>; rel="successor-version"');
    }
    const read = await send(`/v1/customers/${customer.id}`);
    expect(await conforming('customers.v1', 'getCustomer', read)).toMatchObject({ full_name: 'Prof. Grace Brewster Hopper' });
    // The same customer in v2 has the split name.
    expect(await (await send(`/v2/customers/${customer.id}`)).json()).toMatchObject({
      name_prefix: 'Prof.',
      given_name: 'Grace Brewster',
      family_name: 'Hopper',
    });
    const list = await send('/v1/customers?limit=50');
    await conforming('customers.v1', 'listCustomers', list);
    // A conflict from the v2 system API reaches the v1 client as a v1 problem.
    const duplicate = await sendJson('POST', '/v1/customers', { full_name: 'Grace Hopper', email: 'grace.e2e@example.com' });
    expect(duplicate.status).toBe(409);
    await conforming('customers.v1', 'createCustomer', duplicate);
  });

  it('orders and inventory: stock, an idempotent order, reads, all as their contracts promise', async () => {
    const stock = await sendJson('PUT', '/v1/stock/TEA-E2E-250', { name: 'Earl Grey, 250 g', available: 10 });
    expect(stock.status).toBeLessThan(300);
    await conforming('inventory.v1', 'setStock', stock);
    await conforming('inventory.v1', 'getStock', await send('/v1/stock/TEA-E2E-250'));
    const customer = await conforming<{ id: string }>(
      'customers.v2',
      'createCustomer',
      await sendJson('POST', '/v2/customers', { given_name: 'Olive', family_name: 'Order', email: 'olive.e2e@example.com' }),
    );

    const order = { customer_id: customer.id, lines: [{ sku: 'TEA-E2E-250', quantity: 2 }] };
    const place = () =>
      send('/v1/orders', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': 'e2e-order-1' },
        body: JSON.stringify(order),
      });
    const first = await place();
    expect(first.status).toBe(201);
    const placed = await conforming<{ id: string }>('orders.v1', 'createOrder', first);
    expect(first.headers.get('location')).toBe(`/v1/orders/${placed.id}`);
    const replay = await place();
    expect(((await conforming<{ id: string }>('orders.v1', 'createOrder', replay)) as { id: string }).id).toBe(placed.id);
    await conforming('orders.v1', 'getOrder', await send(`/v1/orders/${placed.id}`));
    await conforming('orders.v1', 'listOrders', await send('/v1/orders?limit=5'));
    expect(await (await send('/v1/stock/TEA-E2E-250')).json()).toMatchObject({ available: 8 });
  });

  it('an invalid body: 400 with one pointer per bad field', async () => {
    const res = await sendJson('POST', '/v2/customers', { given_name: '', email: 'not-an-email', phone: '12', favourite_colour: 'teal' });
    const body = await gatewayProblem(res, 400);
    const pointers = (body.errors as { pointer: string }[]).map((e) => e.pointer).sort();
    expect(pointers).toEqual(['/body/email', '/body/family_name', '/body/favourite_colour', '/body/given_name', '/body/phone']);
    await conforming(
      'customers.v2',
      'createCustomer',
      new Response(JSON.stringify(body), { status: 400, headers: { 'content-type': 'application/problem+json' } }),
    );
  });

  it('404, 405 (Allow), 413 and 415 are problem+json with the request id', async () => {
    await gatewayProblem(await send('/v2/nothing-here'), 404);
    const notAllowed = await send('/v2/customers', { method: 'DELETE' });
    await gatewayProblem(notAllowed, 405);
    expect(notAllowed.headers.get('allow')).toBe('GET, POST');
    const big = await sendJson('POST', '/v2/customers', { given_name: 'x'.repeat(1_100_000), family_name: 'y', email: 'big@example.com' });
    await gatewayProblem(big, 413);
    const wrongType = await send('/v2/customers', { method: 'POST', headers: { 'content-type': 'text/csv' }, body: 'a,b' });
    await gatewayProblem(wrongType, 415);
  });

  it('a valid config change takes effect without a restart; a broken one keeps the old config serving', async () => {
    const file = join(dir, 'gateway.config.yaml');
    await writeFile(file, (await readFile(file, 'utf8')).replace('basePath: /v2', 'basePath: v2'));
    const rejected = await gateway.reload();
    expect(rejected.ok).toBe(false);
    expect((await send('/v2/customers?limit=1')).status).toBe(200);

    // Sunset in the past: v1 answers 410 naming its successor.
    await writeGatewayConfig(file, (doc) => {
      doc.setIn(['apis', 1, 'lifecycle', 'deprecation'], '2024-01-01');
      doc.setIn(['apis', 1, 'lifecycle', 'sunset'], '2025-01-01');
    });
    expect((await gateway.reload()).ok).toBe(true);
    const gone = await gatewayProblem(await send('/v1/customers?limit=1'), 410);
    expect(gone).toMatchObject({ successor: 'customers.v2' });
    expect(gone.detail).toContain('customers.v2');
    expect((await send('/v2/customers?limit=1')).status).toBe(200);
  });

  it('tokens issued before a reload stay valid after it (the issuer keys outlive a build)', async () => {
    const before = { authorization: `Bearer ${await issueTestToken(base)}` };
    expect((await gateway.reload()).ok).toBe(true);
    expect((await fetch(`${base}/v2/customers?limit=1`, { headers: before })).status).toBe(200);
  });
});

describe('upstream failures through the gateway process', () => {
  let dir: string;
  let slow: FakeUpstream;
  const running: RunningGateway[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'concord-e2e-fail-'));
    slow = await startFakeUpstream(async (_req, res) => {
      await new Promise((r) => setTimeout(r, 3000));
      res.end('{}');
    });
  });
  afterAll(async () => {
    await Promise.all(running.map((g) => g.close()));
    await slow.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function start(customersUrl: string, edit?: Parameters<typeof writeGatewayConfig>[1]) {
    const file = join(dir, `gateway-${running.length}.config.yaml`);
    await writeGatewayConfig(file, edit);
    const other = await unusedUrl();
    const gateway = await startLocalGateway(file, { customers: customersUrl, orders: other, inventory: other });
    running.push(gateway);
    return { gateway, auth: { authorization: `Bearer ${await issueTestToken(gateway.url)}` } };
  }

  it('502 UPSTREAM_UNREACHABLE when the system API is down, in bounded time', async () => {
    const { gateway, auth } = await start(await unusedUrl());
    const started = performance.now();
    const res = await fetch(`${gateway.url}/v2/customers/cus_4f9a2b7c1d8e`, { headers: auth });
    expect(res.status).toBeGreaterThanOrEqual(502);
    expect(res.status).toBeLessThanOrEqual(503);
    const body = await gatewayProblem(res, res.status);
    expect(['UPSTREAM_UNREACHABLE', 'CIRCUIT_OPEN']).toContain(body.code);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('504 UPSTREAM_TIMEOUT when the system API is slower than the timeout', async () => {
    const { gateway, auth } = await start(slow.url, (doc) => doc.setIn(['apis', 0, 'policies'], doc.createNode({ timeoutMs: 300 })));
    const started = performance.now();
    const res = await fetch(`${gateway.url}/v2/customers`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ given_name: 'A', family_name: 'B', email: 'slow@example.com' }),
    });
    const body = await gatewayProblem(res, 504);
    expect(body.code).toBe('UPSTREAM_TIMEOUT');
    expect(performance.now() - started).toBeLessThan(2500);
  });
});
