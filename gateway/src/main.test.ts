import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseProcessEnv } from './config/env.ts';
import { startGateway, type RunningGateway } from './main.ts';
import { sendJson, startFakeUpstream, type FakeUpstream } from './testing/fake-upstream.ts';
import { customersConfig } from './testing/test-gateway.ts';
import { ADA } from './testing/fake-customers-v2.ts';

const customer = ADA;

async function until(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not met in time');
}

describe('the gateway process: reload and shutdown', () => {
  let dir: string;
  let file: string;
  let upstream: FakeUpstream;
  let gateway: RunningGateway | undefined;
  const logs: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(line) });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'concord-gw-'));
    file = join(dir, 'gateway.config.yaml');
    upstream = await startFakeUpstream(async (req, res) => {
      if (req.url.startsWith('/slow')) await new Promise((r) => setTimeout(r, 400));
      sendJson(res, 200, customer);
    });
  });
  afterEach(async () => {
    await gateway?.close();
    gateway = undefined;
  });
  afterAll(async () => {
    await upstream.close();
    await rm(dir, { recursive: true, force: true });
  });

  const write = (object: Record<string, unknown>) => writeFile(file, stringify(object));
  const start = (watchConfig = false) =>
    startGateway({
      configPath: file,
      env: parseProcessEnv({}),
      port: 0,
      hostname: '127.0.0.1',
      watchConfig,
      deps: { logger, redis: undefined },
    });

  it('sends an adapted body (v1 from v2) with its own length, not the upstream one', async () => {
    await write(customersConfig(upstream.url));
    gateway = await start();
    const res = await fetch(`${gateway.url}/v1/customers/cus_4f9a2b7c1d8e`);
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(Number(res.headers.get('content-length'))).toBe(Buffer.byteLength(text));
    expect(JSON.parse(text)).toMatchObject({ id: 'cus_4f9a2b7c1d8e', full_name: 'Ada Lovelace' });
  });

  it('names the address it listens on in the demo credentials line, not the port it was asked for', async () => {
    await write(customersConfig(upstream.url));
    const before = logs.length;
    gateway = await start();
    const curl = logs
      .slice(before)
      .map((l) => (JSON.parse(l) as { msg: string }).msg)
      .find((msg) => msg.includes('/oauth/token'));
    expect(curl).toMatch(/-d grant_type=client_credentials http:\/\/127\.0\.0\.1:\d+\/oauth\/token$/);
    expect(curl).toContain(`${gateway.url}/oauth/token`);
    expect(gateway.url).not.toMatch(/:0$/);
  });

  it('keeps serving the old config when a reload brings a broken one, and says why', async () => {
    await write(customersConfig(upstream.url));
    gateway = await start();
    await writeFile(file, stringify(customersConfig(upstream.url)).replace('basePath: /v2', 'basePath: v2'));
    const result = await gateway.reload();
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.message).toMatch(/gateway\.config\.yaml:\d+:\d+ apis\[0\]\.basePath/);
    expect(logs.some((l) => l.includes('config reload rejected'))).toBe(true);
    const res = await fetch(`${gateway.url}/v2/customers/cus_4f9a2b7c1d8e`);
    expect(res.status).toBe(200);
  });

  it('applies a valid change without a restart, finishing in-flight requests on the old build', async () => {
    const object = customersConfig(upstream.url);
    await write(object);
    gateway = await start();
    expect((await fetch(`${gateway.url}/v1/customers/cus_4f9a2b7c1d8e`)).status).toBe(200);

    // A request in flight on the old build while the new one is swapped in.
    (object.upstreams as Record<string, Record<string, unknown>>).customers!.url = `${upstream.url}/slow`;
    await write(object);
    const slowGateway = gateway;
    const reloaded = await slowGateway.reload();
    expect(reloaded.ok).toBe(true);
    const inflight = fetch(`${gateway.url}/v2/customers/cus_4f9a2b7c1d8e`);
    await new Promise((r) => setTimeout(r, 50));

    (object.apis as Record<string, unknown>[])[1]!.lifecycle = { status: 'retired', successor: 'customers.v2' };
    await write(object);
    expect((await gateway.reload()).ok).toBe(true);
    expect((await inflight).status).toBe(200);
    expect((await fetch(`${gateway.url}/v1/customers/cus_4f9a2b7c1d8e`)).status).toBe(410);
  });

  it('reloads when the file changes', async () => {
    const object = customersConfig(upstream.url);
    await write(object);
    gateway = await start(true);
    const running = gateway;
    (object.apis as Record<string, unknown>[])[1]!.lifecycle = { status: 'retired' };
    await write(object);
    await until(async () => (await fetch(`${running.url}/v1/customers/cus_4f9a2b7c1d8e`)).status === 410);
  });

  it('finishes an in-flight request on shutdown and then stops accepting', async () => {
    const object = customersConfig(`${upstream.url}/slow`);
    await write(object);
    gateway = await start();
    const running = gateway;
    const inflight = fetch(`${running.url}/v2/customers/cus_4f9a2b7c1d8e`);
    await new Promise((r) => setTimeout(r, 50));
    const closing = running.close();
    expect((await inflight).status).toBe(200);
    await closing;
    await expect(fetch(`${running.url}/healthz`)).rejects.toThrow();
    gateway = undefined;
  });

  it('cuts only what still runs when the grace period ends, and says how many in one line', async () => {
    const object = customersConfig(`${upstream.url}/slow`, { server: { shutdownGraceMs: 50, watchConfig: false } });
    await write(object);
    gateway = await start();
    const running = gateway;
    const before = logs.length;
    const seen = upstream.received.length;
    const inflight = fetch(`${running.url}/v2/customers/cus_4f9a2b7c1d8e`).then(
      () => 'answered',
      () => 'cut',
    );
    // At the upstream, which takes 400 ms: far past the 50 ms grace period.
    await until(async () => upstream.received.length > seen);
    await running.close();
    gateway = undefined;
    expect(await inflight).toBe('cut');
    const lines = logs.slice(before).map((l) => JSON.parse(l) as { cut?: number; msg: string; level: number });
    const counted = lines.filter((l) => l.cut !== undefined);
    expect(counted).toHaveLength(1);
    expect(counted[0]).toMatchObject({ cut: 1, msg: 'grace period over: cut 1 request(s) still in flight' });
  });
});
