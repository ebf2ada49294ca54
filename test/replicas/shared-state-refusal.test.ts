import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayProcess } from '@concord/gateway/src/testing/gateway-process.ts';
import { ordersGatewayConfig, writeConfig, writeIssuerKey } from './support.ts';

/**
 * More than one process without the state they must share: serve.ts refuses to start, exit code 1,
 * with one line on stderr naming the setting and the fix. Nothing listens, so no Redis is needed.
 */
async function refusal(config: Record<string, unknown>, env: Record<string, string>): Promise<string[]> {
  const file = writeConfig(dir, config, `gateway.${Math.random().toString(36).slice(2)}.yaml`);
  const error = await startGatewayProcess(file, env).then(
    () => {
      throw new Error('the gateway started');
    },
    (err: Error) => err,
  );
  expect(error.message).toMatch(/exited \(1\) during start-up/);
  return error.message.split('\n').slice(1).filter(Boolean);
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'concord-refusal-'));
  writeIssuerKey(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('start-up refuses several processes without shared state', () => {
  it('server.workers: 2 without REDIS_URL', async () => {
    const lines = await refusal(ordersGatewayConfig('http://127.0.0.1:9', { workers: 2 }, 10), { REDIS_URL: '' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('gateway.');
    expect(lines[0]).toContain('server.workers is 2 but REDIS_URL is not set');
    expect(lines[0]).toContain('set REDIS_URL');
  });

  it('server.replicas: 3 without REDIS_URL', async () => {
    const lines = await refusal(ordersGatewayConfig('http://127.0.0.1:9', { replicas: 3 }, 10), { REDIS_URL: '' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('server.replicas is 3 but REDIS_URL is not set');
  });

  it('server.workers: auto with the built-in issuer and no key file', async () => {
    const config = ordersGatewayConfig('http://127.0.0.1:9', { workers: 'auto' }, 10);
    (config.security as { issuer: Record<string, unknown> }).issuer = {};
    // Never dialled: the refusal comes before any connection.
    const lines = await refusal(config, { REDIS_URL: 'redis://127.0.0.1:9' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/server\.workers is auto \(\d+\) but security\.issuer\.keyFile is not set/);
    expect(lines[0]).toContain('openssl genpkey');
  });
});
