import { writeFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendJson, startFakeUpstream, type FakeUpstream } from '@concord/gateway/src/testing/fake-upstream.ts';
import { startGatewayProcess, type GatewayProcess } from '@concord/gateway/src/testing/gateway-process.ts';
import { redisServerInstalled, startPrivateRedis, type PrivateRedis } from '@concord/gateway/src/testing/private-redis.ts';
import { ordersGatewayConfig, writeConfig, writeIssuerKey } from './support.ts';

/**
 * `server.workers: 2` as an operator runs it (serve.ts is the cluster primary): requests reach both
 * workers, a config edit and a SIGHUP reach both, /metrics on the primary's operator listener counts
 * both, a worker killed is replaced, and SIGTERM drains both with every request in flight answered.
 * Which worker answered is read from the `pid` every worker's log line carries.
 */
const installed = await redisServerInstalled();
if (!installed) {
  if (process.env.CONCORD_REQUIRE_SERVICES === '1') throw new Error('redis-server is not installed: the cluster suite cannot run');
  console.warn('\n*** SKIPPING the cluster workers test: redis-server is not installed ***\n');
}

const until = async (what: string, check: () => boolean, ms = 60_000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

/** One request on a connection of its own, so the primary hands each to the next worker. */
function get(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, headers: { connection: 'close' } }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
    });
    req.once('error', reject);
    req.end();
  });
}

describe.skipIf(!installed)('the gateway with server.workers: 2', () => {
  let redis: PrivateRedis;
  let upstream: FakeUpstream;
  let dir: string;
  let configFile: string;
  let gateway: GatewayProcess;
  /** Upstream responses held back while set, to keep requests in flight. */
  let held: ServerResponse[] | undefined;

  const pidsOf = (msg: string) =>
    new Set(
      gateway
        .logLines()
        .filter((l) => l.msg === msg)
        .map((l) => l.pid),
    );
  const accessPids = () =>
    new Set(
      gateway
        .logLines()
        .filter((l) => typeof l.status === 'number' && l.path === '/v1/orders')
        .map((l) => l.pid),
    );

  beforeAll(async () => {
    redis = await startPrivateRedis();
    upstream = await startFakeUpstream((_req, res) => {
      if (held) held.push(res);
      else sendJson(res, 200, { data: [], next_cursor: null });
    });
    dir = mkdtempSync(join(tmpdir(), 'concord-workers-'));
    writeIssuerKey(dir);
    const config = ordersGatewayConfig(upstream.url, { workers: 2 }, 1_000_000);
    (config.apis as { policies: Record<string, unknown> }[])[0]!.policies.public = true;
    configFile = writeConfig(dir, config);
    gateway = await startGatewayProcess(configFile, { REDIS_URL: redis.url });
  }, 180_000);

  afterAll(async () => {
    await gateway?.stop();
    await upstream?.close();
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('serves on both workers; the primary counts both in /metrics and the public port shows no one worker as the whole', async () => {
    const listening = gateway.logLines().find((l) => l.msg === 'gateway listening')!;
    expect(listening.workers).toBe(2);
    // Each worker's own line is flushed on its own schedule (the buffered log destination).
    await until('both workers listening', () => pidsOf('worker listening').size === 2, 10_000);
    expect(listening.pids).toEqual(expect.arrayContaining([...pidsOf('worker listening')]));
    const statuses = await Promise.all(Array.from({ length: 8 }, () => get(`${gateway.url}/v1/orders`)));
    expect(statuses).toEqual(Array(8).fill(200));
    await until('access log lines of both workers', () => accessPids().size === 2, 10_000);

    const metrics = await (await fetch(`${gateway.adminUrl}/metrics`)).text();
    const answered = metrics
      .split('\n')
      .filter((line) => line.startsWith('concord_http_requests_total{') && line.includes('operation="listOrders"'))
      .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
    expect(answered).toBe(8);
    expect((await fetch(`${gateway.url}/metrics`)).status).toBe(404);
    const unknown = await fetch(`${gateway.adminUrl}/nope`);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toBe('application/problem+json');
    expect(await unknown.json()).toMatchObject({ status: 404, code: 'NOT_FOUND', instance: '/nope' });

    const ready = await fetch(`${gateway.adminUrl}/readyz`);
    const body = (await ready.json()) as { workers: { pid: number; status: number }[] };
    expect(ready.status).toBe(200);
    expect(body.workers.map((w) => w.status)).toEqual([200, 200]);
  });

  it('a config edit and a SIGHUP to the primary reload every worker', async () => {
    const text = readFileSync(configFile, 'utf8');
    writeFileSync(configFile, text.replace('"shutdownGraceMs": 5000', '"shutdownGraceMs": 5001'));
    await until('both workers reloading the edited file', () => pidsOf('config reloaded').size === 2);
    const afterEdit = gateway.logLines().filter((l) => l.msg === 'config reloaded').length;
    gateway.signal('SIGHUP');
    await until(
      'both workers reloading on SIGHUP',
      () => gateway.logLines().filter((l) => l.msg === 'config reloaded').length === afterEdit + 2,
    );
  });

  it('a worker that dies is replaced and the port keeps answering', async () => {
    const before = pidsOf('worker listening');
    const victim = [...before][0] as number;
    process.kill(victim, 'SIGKILL');
    await until('a replacement worker', () => pidsOf('worker listening').size === 3);
    const died = gateway.logLines().find((l) => l.msg === 'gateway worker died unexpectedly; starting a replacement');
    expect(died).toMatchObject({ pid: victim, signal: 'SIGKILL' });
    const statuses = await Promise.all(Array.from({ length: 4 }, () => get(`${gateway.url}/v1/orders`)));
    expect(statuses).toEqual(Array(4).fill(200));
  });

  it('SIGTERM drains both workers: every request in flight is answered, then the primary exits 0', async () => {
    held = [];
    const inflight = Array.from({ length: 6 }, () => get(`${gateway.url}/v1/orders`));
    await until('six requests held at the upstream', () => held!.length === 6);
    gateway.signal('SIGTERM');
    await until('both workers shutting down', () => {
      const lines = gateway.logLines().filter((l) => l.msg === 'shutting down: no new connections, finishing in-flight requests');
      return new Set(lines.map((l) => l.pid)).size === 2;
    });
    for (const res of held) sendJson(res, 200, { data: [], next_cursor: null });
    held = undefined;
    expect(await Promise.all(inflight)).toEqual(Array(6).fill(200));
    expect(await gateway.exited).toEqual({ code: 0, signal: null });
    const drained = gateway.logLines().filter((l) => l.msg === 'drained: every request received was answered');
    expect(new Set(drained.map((l) => l.pid)).size).toBe(2);
    expect(gateway.logLines().find((l) => l.msg === 'every gateway worker has stopped')).toMatchObject({ workers: 2, clean: true });
  });
});
