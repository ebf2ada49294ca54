import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { RunningGateway } from '../main.ts';
import { customersConfig } from '../testing/test-gateway.ts';
import { startGatewayFrom } from '../testing/started-gateway.ts';

/** The samples of one metric in an exposition, as `labels -> value`. */
async function scrape(gateway: RunningGateway, metric: string): Promise<Map<string, number>> {
  const res = await fetch(`${gateway.url}/metrics`);
  expect(res.status).toBe(200);
  const samples = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    const match = line.match(/^(\w+)(\{[^}]*\})? (\S+)$/);
    if (match?.[1] === metric) samples.set(match[2] ?? '', Number(match[3]));
  }
  return samples;
}

describe('concord_api_sunset_timestamp_seconds', () => {
  let dir: string;
  let file: string;
  let gateway: RunningGateway;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'concord-sunset-'));
    // Nothing is proxied: the upstream URL only has to be valid.
    ({ gateway, configPath: file } = await startGatewayFrom(dir, customersConfig('http://127.0.0.1:9')));
  });
  afterAll(async () => {
    await gateway?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('carries the sunset date of each version that has one, with the labels of the request metrics', async () => {
    const samples = await scrape(gateway, 'concord_api_sunset_timestamp_seconds');
    expect(Object.fromEntries(samples)).toEqual({ '{api="customers",version="v1"}': Date.UTC(2027, 0, 1) / 1000 });
  });

  it('follows a reload: a moved sunset is the new date, a dropped one leaves no series', async () => {
    const config = customersConfig('http://127.0.0.1:9');
    const apis = config.apis as { lifecycle?: Record<string, string> }[];
    apis[1]!.lifecycle!.sunset = '2027-06-30';
    await writeFile(file, stringify(config));
    expect((await gateway.reload()).ok).toBe(true);
    expect(Object.fromEntries(await scrape(gateway, 'concord_api_sunset_timestamp_seconds'))).toEqual({
      '{api="customers",version="v1"}': Date.UTC(2027, 5, 30) / 1000,
    });

    apis[1]!.lifecycle = { status: 'current' };
    await writeFile(file, stringify(config));
    expect((await gateway.reload()).ok).toBe(true);
    expect((await scrape(gateway, 'concord_api_sunset_timestamp_seconds')).size).toBe(0);
  });
});
