import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '@concord/service-runtime/src/testing/test-backends.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startGatewayProcess, type GatewayProcess } from './testing/gateway-process.ts';
import { redisServerInstalled, startPrivateRedis, type PrivateRedis } from './testing/private-redis.ts';
import { customersConfig } from './testing/test-gateway.ts';

/**
 * The gateway process (serve.ts, as operators run it) against a private Redis that is stopped and
 * started again: what the operator sees is JSON lines, one per state change, and nothing from
 * ioredis on stderr however many reconnect attempts fail.
 */
const installed = await redisServerInstalled();
if (!installed) {
  if (process.env.CONCORD_REQUIRE_SERVICES === '1')
    throw new Error('redis-server is not installed; CONCORD_REQUIRE_SERVICES=1 forbids skipping');
  console.warn('\n*** SKIPPING the Redis connection log test: redis-server is not installed ***\n');
}

describe.runIf(installed)('the gateway process when its Redis goes away and comes back', () => {
  let redis: PrivateRedis;
  let gateway: GatewayProcess;
  let dir: string;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    dir = await mkdtemp(join(tmpdir(), 'concord-redis-log-'));
    const configPath = join(dir, 'gateway.config.yaml');
    // Public operations are limited per client IP in Redis: requests during the outage use the store.
    await writeFile(configPath, stringify(customersConfig('http://127.0.0.1:9', { server: { watchConfig: false } })));
    gateway = await startGatewayProcess(configPath, { REDIS_URL: redis.url });
  }, 90_000);

  afterAll(async () => {
    await gateway?.stop();
    await redis?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const redisLines = (state: 'down' | 'up') => gateway.logLines().filter((l) => l.component === 'connection' && l.state === state);

  it('logs one JSON line when the connection is lost and one when it is back; stderr stays free of ioredis', async () => {
    await redis.stop();
    const down = await eventually(() => redisLines('down')[0], 'the "connection lost" log line', 20_000);
    // Requests meanwhile: the rate limiter fails open (the default) on every one of them.
    // The upstream is a closed port: each answer is the upstream's problem (502, then 503 once its
    // circuit opens), never the rate limiter's 503 dependency-unavailable, and never a 500.
    const problems = new Set<string>();
    const call = async () => problems.add(((await (await fetch(`${gateway.url}/v2/customers`)).json()) as { type: string }).type);
    for (let i = 0; i < 20; i++) await call();
    // Wrong secrets at the token endpoint: its lockout cannot count them while Redis is away, and
    // says so once; the answer stays the OAuth error, never a 5xx.
    const guess = () =>
      fetch(`${gateway.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials&client_id=demo-partner&client_secret=wrong',
      });
    for (let i = 0; i < 3; i++) expect((await guess()).status).toBe(401);
    // Stays down long enough for several reconnect attempts to fail (each an ioredis 'error' event,
    // at 50, 100, 150 ... ms): this is not a bound on anything, only how long the outage lasts.
    await new Promise((r) => setTimeout(r, 1500));
    await redis.start();
    await eventually(() => redisLines('up')[0], 'the "connection ready again" log line', 20_000);
    await call();
    expect((await guess()).status).toBe(401);

    expect(gateway.stderr()).not.toContain('[ioredis]');
    expect(gateway.stderr()).not.toContain('Unhandled error event');
    expect(redisLines('down')).toHaveLength(1);
    expect(redisLines('up')).toHaveLength(1);
    expect(down).toMatchObject({ level: 'warn', dependency: 'redis', msg: 'Redis connection lost; reconnecting in the background' });
    expect(redisLines('up')[0]).toMatchObject({ level: 'info', dependency: 'redis', msg: 'Redis connection ready again' });
    // No request failed for Redis: only the upstream's problems.
    const upstreamProblems = ['https://concord.dev/problems/upstream-unreachable', 'https://concord.dev/problems/circuit-open'];
    expect([...problems].filter((type) => !upstreamProblems.includes(type))).toEqual([]);
    // The rate limiter and the token endpoint's lockout said so once too, not once per request.
    const rateLimitStates = () =>
      gateway
        .logLines()
        .filter((l) => l.component === 'rate-limit')
        .map((l) => l.state);
    await eventually(() => (rateLimitStates().length >= 2 ? true : undefined), "the rate limiter's two lines");
    expect(rateLimitStates()).toEqual(['down', 'up']);
    const lockoutStates = () =>
      gateway
        .logLines()
        .filter((l) => l.component === 'lockout')
        .map((l) => l.state);
    await eventually(() => (lockoutStates().length >= 2 ? true : undefined), "the lockout's two lines");
    expect(lockoutStates()).toEqual(['down', 'up']);
  }, 90_000);
});
