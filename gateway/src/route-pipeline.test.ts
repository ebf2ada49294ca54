import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuiltGateway } from './app.ts';
import { startFakeCustomersV2 } from './testing/fake-customers-v2.ts';
import { customersConfig, testGateway } from './testing/test-gateway.ts';

describe('the pipeline compiled per route', () => {
  let upstream: Awaited<ReturnType<typeof startFakeCustomersV2>>;
  let gateway: BuiltGateway;
  const stepsOf = (method: string, path: string) => {
    const match = gateway.routes.match(method, path);
    if (match.kind !== 'found') throw new Error(`${method} ${path} is not a route`);
    return gateway.pipelineSteps(match.route);
  };

  beforeAll(async () => {
    upstream = await startFakeCustomersV2();
    gateway = testGateway(customersConfig(upstream.url), { now: () => Date.parse('2026-01-01T00:00:00Z') });
  });
  afterAll(async () => {
    await gateway.close();
    await upstream.close();
  });

  it('gives each route only the steps with work on it, in the one order of the pipeline', () => {
    // A public GET of the current version: no lifecycle, idempotency, authorization or adapter step.
    expect(stepsOf('GET', '/v2/customers/cus_1')).toEqual(['cors', 'authenticate', 'rate-limit', 'validate-request', 'validate-response']);
    // The deprecated v1, served through the adapter: lifecycle headers first, the adapter last.
    expect(stepsOf('GET', '/v1/customers/cus_1')).toEqual([
      'version-policy',
      'cors',
      'authenticate',
      'rate-limit',
      'validate-request',
      'validate-response',
      'version-adapter',
    ]);
    // customers v2 declares no Idempotency-Key, so even its POST has no idempotency step (the
    // orders POST, which declares it, keeps the step: policies/idempotency tests go through it).
    expect(stepsOf('POST', '/v2/customers')).not.toContain('idempotency');
  });

  it('answers an error inside a route chain as a problem that the steps around it still dress', async () => {
    // validate-request throws inside the chain; version-policy, outside it, still adds the
    // lifecycle headers, and the problem is the contract's 400, not a 500.
    const res = await gateway.app.request('/v1/customers', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ full_name: 42 }),
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.headers.get('deprecation')).not.toBeNull();
    expect(res.headers.get('sunset')).not.toBeNull();
    expect(((await res.json()) as { type: string }).type).toMatch(/validation-error$/);
  });

  it('keeps a preflight for an API without CORS the bare 204 once another API allows CORS', async () => {
    const res = await gateway.app.request('/v1/customers', {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });
});
