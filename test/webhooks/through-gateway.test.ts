/**
 * The whole path, as a partner sees it: a token from the gateway's issuer, a subscription created
 * through /v1/webhooks/subscriptions (scoped by the partner the gateway forwards), an order placed
 * through the gateway, and its order.placed event delivered, signed, to the partner's endpoint.
 */
import pino from 'pino';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseProcessEnv } from '@concord/gateway/src/config/env.ts';
import { DEFAULT_CONFIG_PATH, startGateway, type RunningGateway } from '@concord/gateway/src/main.ts';
import { startReceiver, type WebhookReceiver } from '@concord/service-webhooks/src/testing/receiver.ts';
import { startServices, type RunningServices } from '@concord/service-stack/src/start-services.ts';

describe('webhooks through the gateway, on the embedded stack', () => {
  let services: RunningServices;
  let gateway: RunningGateway;
  let receiver: WebhookReceiver;
  let token: string;

  beforeAll(async () => {
    services = await startServices({ dataDir: 'memory://', allowPrivateNetworks: true });
    const env = parseProcessEnv({
      UPSTREAM_CUSTOMERS_URL: services.urls.customers,
      UPSTREAM_ORDERS_URL: services.urls.orders,
      UPSTREAM_INVENTORY_URL: services.urls.inventory,
      UPSTREAM_WEBHOOKS_URL: services.urls.webhooks,
    });
    gateway = await startGateway({
      configPath: DEFAULT_CONFIG_PATH,
      env,
      port: 0,
      hostname: '127.0.0.1',
      watchConfig: false,
      deps: { logger: pino({ level: 'silent' }), redis: undefined },
    });
    receiver = await startReceiver();
    const demo = gateway.current().partners.demo!;
    const res = await fetch(`${gateway.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: demo.clientId, client_secret: demo.clientSecret }),
    });
    token = ((await res.json()) as { access_token: string }).access_token;
  }, 120_000);

  afterAll(async () => {
    await receiver?.close();
    await gateway?.close();
    await services?.close();
  });

  const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(`${gateway.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });

  it('a partner subscribes through /v1 and receives a signed order.placed for an order placed through the gateway', async () => {
    const created = await call('POST', '/v1/webhooks/subscriptions', { url: receiver.url, event_types: ['order.placed'] });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toMatch(/^\/v1\/webhooks\/subscriptions\/whs_/);
    const sub = (await created.json()) as { id: string; secret: string };

    // The partner header cannot be forged by a client: the gateway replaces it with the token's.
    const spoofed = await call('GET', `/v1/webhooks/subscriptions/${sub.id}`, undefined, { 'x-concord-partner': 'someone-else' });
    expect(spoofed.status).toBe(200);
    expect((await call('GET', '/v1/webhooks/subscriptions', undefined, {})).status).toBe(200);
    expect((await fetch(`${gateway.url}/v1/webhooks/subscriptions`)).status).toBe(401);

    // Stock is set by the back office, straight at inventory with the internal scope.
    await fetch(`${services.urls.inventory}/stock/TEA-HOOK-1`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'x-concord-scopes': 'internal' },
      body: JSON.stringify({ available: 5 }),
    });
    const customer = (await (
      await call('POST', '/v2/customers', { given_name: 'Web', family_name: 'Hook', email: `hook-${Date.now()}@x.example` })
    ).json()) as { id: string };
    const order = await call('POST', '/v1/orders', { customer_id: customer.id, lines: [{ sku: 'TEA-HOOK-1', quantity: 1 }] });
    expect(order.status).toBe(201);
    const orderId = ((await order.json()) as { id: string }).id;

    await receiver.waitFor(() => receiver.accepted.size >= 1, 30_000, 'the order.placed webhook');
    const hook = receiver.received[0]!;
    const event = new Webhook(sub.secret).verify(hook.body, {
      'webhook-id': String(hook.headers['webhook-id']),
      'webhook-timestamp': String(hook.headers['webhook-timestamp']),
      'webhook-signature': String(hook.headers['webhook-signature']),
    }) as { type: string; data: { id: string } };
    expect(event.type).toBe('order.placed');
    expect(event.data.id).toBe(orderId);

    const deliveries = (await (await call('GET', `/v1/webhooks/subscriptions/${sub.id}/deliveries`)).json()) as {
      data: { status: string }[];
    };
    expect(deliveries.data[0]?.status).toMatch(/succeeded|pending/);
  });
});
