import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueTestToken } from '@concord/gateway/src/partners/testing/issue-test-token.ts';
import { startGatewayProcess, type GatewayProcess } from '@concord/gateway/src/testing/gateway-process.ts';
import { redisServerInstalled, startPrivateRedis, type PrivateRedis } from '@concord/gateway/src/testing/private-redis.ts';
import { startOrdersStub } from '../security/fixtures/replicas.ts';
import { ordersGatewayConfig, writeConfig, writeIssuerKey } from './support.ts';

/**
 * Three gateway processes as an operator runs them (serve.ts), `server.replicas: 3`, one private
 * Redis and one issuer key file: a token the built-in issuer of one replica signs is accepted by the
 * others, and one partner's requests spread over the three are admitted exactly up to its plan.
 */
const installed = await redisServerInstalled();
if (!installed) {
  if (process.env.CONCORD_REQUIRE_SERVICES === '1') throw new Error('redis-server is not installed: the replica suite cannot run');
  console.warn('\n*** SKIPPING the three-replica test: redis-server is not installed ***\n');
}

const PLAN = 30;

describe.skipIf(!installed)('three replicas on one Redis with one issuer key file', () => {
  let redis: PrivateRedis;
  let stub: Awaited<ReturnType<typeof startOrdersStub>>;
  let dir: string;
  let replicas: GatewayProcess[] = [];

  beforeAll(async () => {
    [redis, stub] = await Promise.all([startPrivateRedis(), startOrdersStub()]);
    dir = mkdtempSync(join(tmpdir(), 'concord-replicas-'));
    writeIssuerKey(dir);
    const config = writeConfig(dir, ordersGatewayConfig(stub.url, { replicas: 3 }, PLAN));
    replicas = await Promise.all([0, 1, 2].map(() => startGatewayProcess(config, { REDIS_URL: redis.url })));
  }, 180_000);

  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    await stub?.stop();
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('publish the same key set, accept a token another replica issued, and admit exactly the plan', async () => {
    const [one, two, three] = replicas as [GatewayProcess, GatewayProcess, GatewayProcess];
    const jwks = await Promise.all(replicas.map(async (r) => (await fetch(`${r.url}/.well-known/jwks.json`)).json()));
    expect((jwks[0] as { keys: unknown[] }).keys).toHaveLength(1);
    expect(jwks[1]).toEqual(jwks[0]);
    expect(jwks[2]).toEqual(jwks[0]);

    const token = await issueTestToken(one.url, { scope: 'orders:read' });
    const auth = { authorization: `Bearer ${token}` };
    for (const replica of [two, three]) {
      const res = await fetch(`${replica.url}/v1/orders`, { headers: auth });
      expect(res.status).toBe(200);
    }
    // And the other way round: a token from replica 3 on replica 1.
    const other = await issueTestToken(three.url, { scope: 'orders:read' });
    expect((await fetch(`${one.url}/v1/orders`, { headers: { authorization: `Bearer ${other}` } })).status).toBe(200);

    // 3 of the plan are spent; 90 more, concurrently, round-robin over the replicas.
    const responses = await Promise.all(
      Array.from({ length: 90 }, (_, i) => fetch(`${replicas[i % 3]!.url}/v1/orders`, { headers: auth })),
    );
    const counts: Record<number, number> = {};
    for (const res of responses) counts[res.status] = (counts[res.status] ?? 0) + 1;
    expect(counts).toEqual({ 200: PLAN - 3, 429: 90 - (PLAN - 3) });
    expect(stub.hits()).toBe(PLAN);
    // Every replica refused some: the budget is one, not three.
    const refusedBy = new Set(responses.flatMap((res, i) => (res.status === 429 ? [i % 3] : [])));
    expect(refusedBy).toEqual(new Set([0, 1, 2]));
  });
});
