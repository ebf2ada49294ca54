import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../testing/fake-upstream.ts';
import { customersConfig } from '../testing/test-gateway.ts';
import { startGatewayFrom } from '../testing/started-gateway.ts';
import { AbortChannel } from './abort-channel.ts';

describe('AbortChannel', () => {
  it('fires its listeners once, keeps the first reason, and answers like an AbortSignal', () => {
    const channel = new AbortChannel();
    const heard: unknown[] = [];
    channel.addEventListener('abort', () => heard.push(channel.reason), { once: true });
    const removed = () => heard.push('removed listener ran');
    channel.addEventListener('abort', removed);
    channel.removeEventListener('abort', removed);
    expect(channel.aborted).toBe(false);
    channel.abort('first');
    channel.abort('second');
    expect(channel.aborted).toBe(true);
    expect(heard).toEqual(['first']);
  });

  it('aborts an undici request in flight, with its reason', async () => {
    const hanging = await startFakeUpstream(() => new Promise(() => {}));
    const pool = new Pool(hanging.url);
    try {
      const channel = new AbortChannel();
      const pending = pool.request({ method: 'GET', path: '/never', signal: channel });
      setTimeout(() => channel.abort(new Error('client went away')), 50);
      await expect(pending).rejects.toThrow('client went away');
    } finally {
      await pool.destroy();
      await hanging.close();
    }
  });
});

describe('a client that goes away', () => {
  let upstream: FakeUpstream;
  let dir: string;
  const upstreamClosed: number[] = [];
  let received: () => void = () => {};

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'concord-abort-'));
    upstream = await startFakeUpstream((_req, res) => {
      received();
      // Never answers: only the gateway aborting its call ends this exchange.
      res.on('close', () => upstreamClosed.push(Date.now()));
    });
  });
  afterAll(async () => {
    await upstream.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('makes the gateway abort its upstream call at once, not at the deadline', async () => {
    const config = customersConfig(upstream.url);
    (config.upstreams as { customers: { timeoutMs: number } }).customers.timeoutMs = 20_000;
    const { gateway } = await startGatewayFrom(dir, config);
    try {
      const arrived = new Promise<void>((resolve) => (received = resolve));
      const client = new AbortController();
      const pending = fetch(`${gateway.url}/v2/customers/cus_4f9a2b7c1d8e`, { signal: client.signal }).catch((err: unknown) => err);
      await arrived;
      const abortedAt = Date.now();
      client.abort();
      await pending;
      const deadline = Date.now() + 5000;
      while (upstreamClosed.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(upstreamClosed).toHaveLength(1);
      expect(upstreamClosed[0]! - abortedAt).toBeLessThan(5000);
    } finally {
      await gateway.close();
    }
  });
});
