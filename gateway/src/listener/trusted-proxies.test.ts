import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ConfigError, parseConfig } from '../config/load-config.ts';
import type { RunningGateway } from '../main.ts';
import { sendJson, startFakeUpstream, type FakeUpstream } from '../testing/fake-upstream.ts';
import { customersConfig } from '../testing/test-gateway.ts';
import { startGatewayFrom } from '../testing/started-gateway.ts';
import { trustedProxies } from './trusted-proxies.ts';

describe('trusted proxies', () => {
  const proxies = trustedProxies(['10.0.0.0/8', '2001:db8::/32', '127.0.0.1']);

  it('takes the rightmost address no trusted proxy vouches for, not the leftmost a client can write', () => {
    expect(proxies.clientAddress('10.1.2.3', '6.6.6.6, 203.0.113.7, 10.9.9.9', undefined)).toBe('203.0.113.7');
    expect(proxies.clientAddress('10.1.2.3', '203.0.113.7', undefined)).toBe('203.0.113.7');
  });

  it('ignores the headers when the peer is not a trusted proxy', () => {
    expect(proxies.clientAddress('198.51.100.1', '6.6.6.6', undefined)).toBe('198.51.100.1');
    expect(trustedProxies([]).clientAddress('10.1.2.3', '6.6.6.6', undefined)).toBe('10.1.2.3');
  });

  it('reads RFC 7239 Forwarded, IPv6 and IPv4-mapped addresses', () => {
    expect(proxies.clientAddress('::ffff:10.0.0.5', undefined, 'for=192.0.2.60;proto=http, for="[2001:db8::1]:4711"')).toBe('192.0.2.60');
    expect(proxies.clientAddress('::ffff:127.0.0.1', '::ffff:198.51.100.9', undefined)).toBe('198.51.100.9');
  });

  it('believes nothing beyond a garbled hop, and answers the outermost address when every hop is trusted', () => {
    expect(proxies.clientAddress('10.0.0.1', '203.0.113.7, not-an-ip, 10.0.0.2', undefined)).toBe('10.0.0.1');
    expect(proxies.clientAddress('10.0.0.1', '10.0.0.3, 10.0.0.2', undefined)).toBe('10.0.0.3');
  });

  it('refuses the removed trustForwardedFor and a range that is not one, naming the line', () => {
    const old = stringify({ ...customersConfig('http://127.0.0.1:9'), security: { rateLimit: { trustForwardedFor: true } } });
    expect(() => parseConfig(old, 'g.yaml')).toThrow(ConfigError);
    expect(() => parseConfig(old, 'g.yaml')).toThrow(/g\.yaml:\d+:\d+.*replaced by server\.trustedProxies/);
    const bad = stringify({ ...customersConfig('http://127.0.0.1:9'), server: { trustedProxies: ['10.0.0.0/33'] } });
    expect(() => parseConfig(bad, 'g.yaml')).toThrow(/prefix length outside 0-32/);
  });
});

describe('the per-address limit behind a trusted proxy, over HTTP', () => {
  let dir: string;
  let upstream: FakeUpstream;
  let gateway: RunningGateway;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'concord-proxies-'));
    upstream = await startFakeUpstream((_req, res) => sendJson(res, 200, { data: [], next_cursor: null }));
    const config = customersConfig(upstream.url, {
      server: { trustedProxies: ['127.0.0.1/32'] },
      security: { rateLimit: { perIp: { points: 2, windowSeconds: 60 } } },
    });
    ({ gateway } = await startGatewayFrom(dir, config));
  });
  afterAll(async () => {
    await gateway.close();
    await upstream.close();
    await rm(dir, { recursive: true, force: true });
  });

  const call = (xff: string) => fetch(`${gateway.url}/v2/customers`, { headers: { 'x-forwarded-for': xff } });

  it('limits the client the proxy saw, whatever it writes on the left', async () => {
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await call(`198.18.0.${i}, 203.0.113.7`)).status);
    expect(statuses).toEqual([200, 200, 429]);
    // Another client behind the same proxy has its own budget.
    expect((await call('203.0.113.8')).status).toBe(200);
  });
});
