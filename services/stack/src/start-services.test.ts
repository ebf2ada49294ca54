import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServices, type RunningServices, type StartedStep } from './start-services.ts';

describe('startServices on the embedded defaults', () => {
  let stack: RunningServices;
  const started: StartedStep[] = [];
  beforeAll(async () => {
    stack = await startServices({ dataDir: 'memory://', responseValidation: 'enforce', onStarted: (step) => started.push(step) });
  });
  afterAll(() => stack?.close());

  it('serves the three APIs on ports the OS chose, wired to each other', async () => {
    for (const url of Object.values(stack.urls)) {
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
    }
    // As the gateway sends them: every customer and order belongs to the calling partner.
    const json = { 'content-type': 'application/json', 'x-concord-partner': 'partner-stack' };
    await fetch(`${stack.urls.inventory}/stock/TEA-STACK`, { method: 'PUT', headers: json, body: JSON.stringify({ available: 2 }) });
    const customer = (await (
      await fetch(`${stack.urls.customers}/customers`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ given_name: 'S', family_name: 'T', email: 'stack@x.example' }),
      })
    ).json()) as { id: string };
    const order = await fetch(`${stack.urls.orders}/orders`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ customer_id: customer.id, lines: [{ sku: 'TEA-STACK', quantity: 2 }] }),
    });
    expect(order.status).toBe(201);
    const unknownCustomer = await fetch(`${stack.urls.orders}/orders`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ customer_id: 'cus_nobody0000', lines: [{ sku: 'TEA-STACK', quantity: 1 }] }),
    });
    expect(unknownCustomer.status).toBe(422);
  });

  it('tells each part as it is up, in start order, with where it is and how long it took', () => {
    expect(started.map((step) => step.name)).toEqual(['database', 'inventory', 'customers', 'orders', 'webhooks']);
    expect(started[0]!.where).toBe('memory://');
    for (const step of started.slice(1)) expect(step.where).toBe(stack.urls[step.name as keyof RunningServices['urls']]);
    for (const step of started) expect(step.ms).toBeGreaterThan(0);
  });

  it('closes everything it opened, and close() can be called twice', async () => {
    const other = await startServices({ dataDir: 'memory://' });
    await other.close();
    await other.close();
    await expect(fetch(`${other.urls.orders}/healthz`)).rejects.toThrow();
  });
});
