import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuiltGateway } from '../app.ts';
import { startFakeUpstream, type FakeUpstream } from '../testing/fake-upstream.ts';
import { customersConfig, testGateway } from '../testing/test-gateway.ts';
import { publicLocation, upstreamPath } from './proxy.ts';

describe('proxying to the upstream', () => {
  let upstream: FakeUpstream;
  let gateway: BuiltGateway;
  let big: string;

  beforeAll(async () => {
    big = JSON.stringify({ data: Array.from({ length: 5000 }, (_, i) => ({ i, pad: 'x'.repeat(50) })), next_cursor: null });
    upstream = await startFakeUpstream((req, res) => {
      if (req.url.startsWith('/base/customers?limit=2')) {
        res.writeHead(200, {
          'content-type': 'application/json',
          connection: 'keep-alive',
          'keep-alive': 'timeout=5',
          'x-request-id': 'upstream-own-id',
          'x-service': 'customers',
        });
        return res.end(big);
      }
      if (req.url.startsWith('/base/customers?limit=3')) {
        const gz = gzipSync('{"data":[],"next_cursor":null}');
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': gz.length });
        return res.end(gz);
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"data":[],"next_cursor":null}');
    });
    // Response validation off on v2, so its bodies stream through untouched.
    const config = customersConfig(`${upstream.url}/base`, { defaults: { policies: { public: true, validation: { response: 'off' } } } });
    (config.upstreams as Record<string, Record<string, unknown>>).customers!.forwardHeaders = ['x-tenant'];
    gateway = testGateway(config);
  });
  afterAll(async () => {
    await gateway.close();
    await upstream.close();
  });

  it('forwards only the allow-list, plus identity and X-Forwarded-*, to the base path of the upstream URL', async () => {
    await gateway.app.request('/v2/customers?limit=1', {
      headers: {
        authorization: 'Bearer secret',
        cookie: 'a=b',
        'x-tenant': 't1',
        'x-random': 'no',
        accept: 'application/json',
        connection: 'upgrade',
        host: 'api.example',
        'x-forwarded-host': 'spoofed.example',
        'x-forwarded-for': '10.0.0.1',
      },
    });
    const sent = upstream.received.at(-1)!;
    expect(sent.url).toBe('/base/customers?limit=1');
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.headers.cookie).toBeUndefined();
    expect(sent.headers['x-random']).toBeUndefined();
    expect(sent.headers['x-tenant']).toBe('t1');
    expect(sent.headers.accept).toBe('application/json');
    expect(sent.headers['x-forwarded-host']).toBe('api.example');
    expect(sent.headers['x-forwarded-for']).toBe('10.0.0.1');
    expect(sent.headers['x-request-id']).toMatch(/^req_/);
    expect(sent.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });

  it('streams a large body through unchanged, without hop-by-hop headers or the upstream request id', async () => {
    const res = await gateway.app.request('/v2/customers?limit=2', { headers: { 'x-request-id': 'mine' } });
    expect(res.headers.get('keep-alive')).toBeNull();
    expect(res.headers.get('x-request-id')).toBe('mine');
    expect(res.headers.get('x-service')).toBe('customers');
    expect(await res.text()).toBe(big);
  });

  it('passes compressed bytes through when it does not read the body', async () => {
    const res = await gateway.app.request('/v2/customers?limit=3', { headers: { 'accept-encoding': 'gzip' } });
    expect(upstream.received.at(-1)!.headers['accept-encoding']).toBe('gzip');
    expect(res.headers.get('content-encoding')).toBe('gzip');
  });

  it('does not ask for compression when it must read the body (adapter)', async () => {
    await gateway.app.request('/v1/customers?limit=1', { headers: { 'accept-encoding': 'gzip' } });
    expect(upstream.received.at(-1)!.headers['accept-encoding']).not.toBe('gzip');
  });
});

describe('upstreamPath', () => {
  it('encodes each decoded parameter once', () => {
    expect(upstreamPath(['/customers/', 'customerId', ''], { customerId: 'café/1' })).toBe('/customers/caf%C3%A9%2F1');
    expect(upstreamPath(['/reservations/', 'orderId', '/release'], { orderId: 'ord_1' })).toBe('/reservations/ord_1/release');
    expect(upstreamPath(['/stock'], {})).toBe('/stock');
  });
});

describe('publicLocation', () => {
  const route = { basePath: '/v1' } as Parameters<typeof publicLocation>[2];
  it.each([
    ['/customers/cus_1', '', '/v1/customers/cus_1'],
    ['/v2/customers/cus_1', '', '/v1/customers/cus_1'],
    ['/base/customers/cus_1', '/base', '/v1/customers/cus_1'],
    ['/v1/customers/cus_1', '', '/v1/customers/cus_1'],
    ['https://elsewhere.example/x', '', 'https://elsewhere.example/x'],
  ])('%s (upstream base %s) -> %s', (location, base, expected) => {
    expect(publicLocation(location, base, route)).toBe(expected);
  });
});
