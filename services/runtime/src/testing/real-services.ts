import { connect } from 'node:net';

/**
 * Tests that need a real server use it when it answers, and say loudly when it does not. With
 * CONCORD_REQUIRE_SERVICES=1 (as in CI) a missing server fails the run instead of skipping.
 */
export type RealService = 'redis' | 'nats' | 'postgres';

const DEFAULT_URLS: Record<RealService, string> = {
  redis: 'redis://127.0.0.1:6379',
  nats: 'nats://127.0.0.1:4222',
  postgres: 'postgres://postgres@127.0.0.1:5432/test',
};

const ENV_NAMES: Record<RealService, string> = {
  redis: 'REDIS_TEST_URL',
  nats: 'NATS_TEST_URL',
  postgres: 'DATABASE_TEST_URL',
};

export function realServiceUrl(service: RealService): string {
  return process.env[ENV_NAMES[service]] ?? DEFAULT_URLS[service];
}

function reachable(url: string, timeoutMs = 1000): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * The URL of the server when it answers; undefined (with a loud warning) when it does not and
 * skipping is allowed. Use with `describe.skipIf(!url)` or `it.runIf(url)`.
 */
export async function probeRealService(service: RealService): Promise<string | undefined> {
  const url = realServiceUrl(service);
  if (await reachable(url)) return url;
  const message = `${service} is not reachable at ${url} (set ${ENV_NAMES[service]})`;
  if (process.env.CONCORD_REQUIRE_SERVICES === '1') throw new Error(`${message}; CONCORD_REQUIRE_SERVICES=1 forbids skipping`);
  console.warn(`\n*** SKIPPING tests that need ${service}: ${message} ***\n`);
  return undefined;
}
