import { describe, expect, it } from 'vitest';
import { factory, policyApp } from '../../testing/policy-app.ts';
import { cors } from './cors.ts';

describe('cors', () => {
  const app = policyApp((config) => [cors(factory, config.apis).handler]);

  it('answers a preflight from an allowed origin', async () => {
    const res = await app.request('/v2/customers/cus_12345678', {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'PATCH' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(res.headers.get('access-control-allow-methods')).toBe('PATCH');
    expect(res.headers.get('access-control-max-age')).toBe('600');
  });

  it('grants nothing to another origin, or on an API without CORS', async () => {
    const other = await app.request('/v2/customers', {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
    });
    expect(other.status).toBe(204);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const v1 = await app.request('/v1/customers', { headers: { origin: 'https://app.example' } });
    expect(v1.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('exposes the gateway headers on actual requests', async () => {
    const res = await app.request('/v2/customers', { headers: { origin: 'https://app.example' } });
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(res.headers.get('access-control-expose-headers')).toContain('x-request-id');
    expect(res.headers.get('vary')).toContain('Origin');
  });
});
