/**
 * A second gateway whose built-in issuer serves as a real OAuth token endpoint for the gateway
 * under test (client credentials over HTTP, RFC 6749 section 4.4), with one client and a way to
 * count the tokens it issued (its own /metrics).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { stringify } from 'yaml';
import { parseProcessEnv } from '../../config/env.ts';
import { startGateway, type RunningGateway } from '../../main.ts';
import { hashClientSecret } from '../../partners/client-secret.ts';
import { unusedUrl } from '../../testing/fake-upstream.ts';

export interface IssuerGateway {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  /** Tokens the issuer handed out so far (concord_oauth_tokens_total{outcome="issued"}). */
  issued(): Promise<number>;
  gateway: RunningGateway;
  close(): Promise<void>;
}

export async function startIssuerGateway(options: { tokenTtlSeconds?: number } = {}): Promise<IssuerGateway> {
  const dir = await mkdtemp(join(tmpdir(), 'concord-issuer-'));
  const configPath = join(dir, 'issuer.config.yaml');
  const clientId = 'concord-upstream-client';
  const clientSecret = 'upstream-client-secret-0123456789';
  await writeFile(
    configPath,
    stringify({
      upstreams: { orders: { url: await unusedUrl() } },
      apis: [{ contract: 'orders.v1', basePath: '/v1', upstream: 'orders' }],
      security: {
        issuer: { tokenTtlSeconds: options.tokenTtlSeconds ?? 3600 },
        partners: [
          {
            clientId,
            name: 'Concord gateway',
            plan: 'internal',
            apis: ['orders'],
            scopes: ['orders:read'],
            secrets: [await hashClientSecret(clientSecret)],
          },
        ],
        plans: { internal: { rateLimit: { points: 10_000, windowSeconds: 60 } } },
        rateLimit: { tokenEndpoint: { points: 10_000, windowSeconds: 60 } },
        demo: { enabled: false },
      },
    }),
  );
  const gateway = await startGateway({
    configPath,
    env: parseProcessEnv({}),
    port: 0,
    hostname: '127.0.0.1',
    watchConfig: false,
    deps: { logger: pino({ level: 'silent' }), redis: undefined },
  });
  return {
    tokenUrl: `${gateway.url}/oauth/token`,
    clientId,
    clientSecret,
    gateway,
    async issued() {
      const text = await (await fetch(`${gateway.url}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith('concord_oauth_tokens_total{outcome="issued"}'));
      return line ? Number(line.split(' ').pop()) : 0;
    },
    async close() {
      await gateway.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
