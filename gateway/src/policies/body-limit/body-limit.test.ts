import { describe, expect, it } from 'vitest';
import { configFrom, customersConfig } from '../../testing/test-gateway.ts';
import { factory, policyApp } from '../../testing/policy-app.ts';
import { bodyLimit } from './body-limit.ts';

describe('body limit', () => {
  const object = customersConfig('http://127.0.0.1:9');
  (object.apis as Record<string, unknown>[])[0]!.operations = { createCustomer: { policies: { bodyLimitBytes: 32 } } };
  const app = policyApp(
    () => [bodyLimit(factory)],
    (c) => c.json({ bytes: c.get('requestBody')?.byteLength ?? 0 }),
    configFrom(object),
  );

  it('keeps the bytes it read for the steps after it', async () => {
    const res = await app.request('/v2/customers', { method: 'POST', body: '{"a":1}' });
    expect(await res.json()).toEqual({ bytes: 7 });
  });

  it('refuses a declared length over the limit before reading', async () => {
    const res = await app.request('/v2/customers', { method: 'POST', body: 'x', headers: { 'content-length': '33' } });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', limit_bytes: 32 });
  });

  it('counts a streamed body without a length', async () => {
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 10; i++) controller.enqueue(new TextEncoder().encode('0123456789'));
        controller.close();
      },
    });
    const res = await app.request('/v2/customers', { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(413);
  });
});
