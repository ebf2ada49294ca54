import { describe, expect, it } from 'vitest';
import { configFrom, customersConfig, testDeps } from '../../testing/test-gateway.ts';
import { factory, policyApp } from '../../testing/policy-app.ts';
import { versionPolicy } from './version-policy.ts';

function appAt(isoNow: string, lifecycle?: Record<string, unknown>) {
  const object = customersConfig('http://127.0.0.1:9');
  if (lifecycle) (object.apis as Record<string, unknown>[])[1]!.lifecycle = lifecycle;
  const config = configFrom(object);
  return policyApp((cfg) => [versionPolicy(factory, cfg.apis, testDeps({ now: () => Date.parse(isoNow) })).handler], undefined, config);
}

describe('version policy', () => {
  it('marks a deprecated version with Deprecation, Sunset and the successor link', async () => {
    const res = await appAt('2026-06-01T00:00:00Z').request('/v1/customers');
    expect(res.status).toBe(200);
    expect(res.headers.get('deprecation')).toBe('@1751328000');
    expect(res.headers.get('sunset')).toBe('Fri, 01 Jan 2027 00:00:00 GMT');
    expect(res.headers.get('link')).toBe('</v2>; rel="successor-version"');
  });

  it('leaves the current version alone', async () => {
    const res = await appAt('2026-06-01T00:00:00Z').request('/v2/customers');
    expect(res.headers.get('deprecation')).toBeNull();
  });

  it('answers 410 from the sunset on, naming the successor', async () => {
    const res = await appAt('2027-01-01T00:00:00Z').request('/v1/customers');
    expect(res.status).toBe(410);
    expect(await res.json()).toMatchObject({ code: 'VERSION_GONE', successor: 'customers.v2', successor_base_path: '/v2' });
  });

  it('answers 410 for a retired version whatever the date', async () => {
    const res = await appAt('2020-01-01T00:00:00Z', { status: 'retired', successor: 'customers.v2' }).request('/v1/customers');
    expect(res.status).toBe(410);
  });
});
