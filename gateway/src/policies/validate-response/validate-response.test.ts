import { describe, expect, it } from 'vitest';
import { configFrom, customersConfig, testDeps } from '../../testing/test-gateway.ts';
import { factory, policyApp } from '../../testing/policy-app.ts';
import { validateResponse } from './validate-response.ts';
import { ADA } from '../../testing/fake-customers-v2.ts';

const good = ADA;

function app(mode: 'enforce' | 'report' | 'off', body: unknown) {
  const deps = testDeps();
  const object = customersConfig('http://127.0.0.1:9', { defaults: { policies: { public: true, validation: { response: mode } } } });
  const built = policyApp(
    () => [validateResponse(factory, deps)],
    (c) => {
      c.set('responseJson', body);
      return c.json(body);
    },
    configFrom(object),
  );
  return { built, deps };
}

describe('validate response', () => {
  it('forwards a conforming response', async () => {
    expect((await app('enforce', good).built.request('/v2/customers/cus_4f9a2b7c1d8e')).status).toBe(200);
  });

  it('enforce: withholds a broken response with 502 UPSTREAM_CONTRACT_BROKEN', async () => {
    const res = await app('enforce', { ...good, email: 42 }).built.request('/v2/customers/cus_4f9a2b7c1d8e');
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ code: 'UPSTREAM_CONTRACT_BROKEN', upstream_status: 200 });
  });

  it('report: forwards it and counts it', async () => {
    const { built, deps } = app('report', { ...good, email: 42 });
    expect((await built.request('/v2/customers/cus_4f9a2b7c1d8e')).status).toBe(200);
    expect(await deps.metrics.metrics()).toMatch(
      /concord_upstream_contract_violations_total\{contract="customers.v2",operation="getCustomer",status="200",mode="report"\} 1/,
    );
  });

  it('enforce: withholds a body that is not the documented JSON at all', async () => {
    const deps = testDeps();
    const object = customersConfig('http://127.0.0.1:9', { defaults: { policies: { public: true, validation: { response: 'enforce' } } } });
    const built = policyApp(
      () => [validateResponse(factory, deps)],
      (c) => {
        c.set('responseUnparsed', true);
        return c.html('<h1>oops</h1>');
      },
      configFrom(object),
    );
    const res = await built.request('/v2/customers/cus_4f9a2b7c1d8e');
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ code: 'UPSTREAM_CONTRACT_BROKEN' });
  });

  it('off: does not look', async () => {
    expect((await app('off', { nonsense: true }).built.request('/v2/customers/cus_4f9a2b7c1d8e')).status).toBe(200);
  });
});
