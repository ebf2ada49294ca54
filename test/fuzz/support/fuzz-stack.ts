/**
 * The real gateway process entry (startGateway, the committed gateway.config.yaml) in front of the
 * real system APIs (startServices, embedded PGlite and in-process bus), as test/e2e starts them,
 * with two partners of their own on a plan generous enough that no fuzz case is refused for the
 * rate: `partner-a` and `partner-b`, each holding every API and every scope.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseProcessEnv } from '@concord/gateway/src/config/env.ts';
import { DEFAULT_CONFIG_PATH, startGateway, type RunningGateway } from '@concord/gateway/src/main.ts';
import { hashClientSecret } from '@concord/gateway/src/partners/client-secret.ts';
import { issueTestToken } from '@concord/gateway/src/partners/testing/issue-test-token.ts';
import { startServices, type RunningServices } from '@concord/service-stack/src/start-services.ts';
import pino from 'pino';
import { parseDocument } from 'yaml';

export const PARTNERS = ['partner-a', 'partner-b'] as const;
export type FuzzPartner = (typeof PARTNERS)[number];
const SECRET = 'fuzz-partner-secret-0123456789';

export interface ApiBinding {
  contract: string;
  basePath: string;
}

export interface FuzzStack {
  gateway: RunningGateway;
  services: RunningServices;
  /** The config's `apis`: each public contract and where the gateway serves it. */
  apis: ApiBinding[];
  /** A bearer token of `partner` holding `scopes` (space-separated; every scope when omitted). */
  token(partner: FuzzPartner, scopes?: string): Promise<string>;
  /** What the services reported as their own faults (unexpected errors), for the suite to assert empty. */
  faults: { err: unknown; where: string }[];
  close(): Promise<void>;
}

export async function startFuzzStack(): Promise<FuzzStack> {
  const faults: { err: unknown; where: string }[] = [];
  const dir = await mkdtemp(join(tmpdir(), 'concord-fuzz-'));
  const services = await startServices({
    dataDir: 'memory://',
    responseValidation: 'enforce',
    onError: (err, where) => void faults.push({ err, where }),
  });
  const configPath = join(dir, 'gateway.config.yaml');
  const doc = parseDocument(await readFile(DEFAULT_CONFIG_PATH, 'utf8'));
  doc.setIn(['server', 'watchConfig'], false);
  // A cheap scrypt cost: the secret is the test's own, and start-up should stay fast.
  const secret = await hashClientSecret(SECRET, { N: 1024, r: 8, p: 1 });
  // Tokens are cached per scope set below; this only keeps a long run's restarts from being refused.
  doc.setIn(['security', 'rateLimit', 'tokenEndpoint'], { points: 1000, windowSeconds: 60 });
  doc.setIn(['security', 'plans', 'fuzz'], { rateLimit: { points: 1_000_000, windowSeconds: 60 } });
  doc.setIn(
    ['security', 'partners'],
    PARTNERS.map((clientId) => ({
      clientId,
      name: clientId,
      plan: 'fuzz',
      apis: ['customers', 'orders', 'inventory', 'webhooks'],
      scopes: [
        'customers:read',
        'customers:write',
        'orders:read',
        'orders:write',
        'inventory:read',
        'inventory:write',
        'webhooks:read',
        'webhooks:write',
      ],
      secrets: [secret],
    })),
  );
  await writeFile(configPath, doc.toString());
  const apis = (doc.toJS() as { apis: ApiBinding[] }).apis.map(({ contract, basePath }) => ({ contract, basePath }));
  const env = parseProcessEnv({
    UPSTREAM_CUSTOMERS_URL: services.urls.customers,
    UPSTREAM_ORDERS_URL: services.urls.orders,
    UPSTREAM_INVENTORY_URL: services.urls.inventory,
    UPSTREAM_WEBHOOKS_URL: services.urls.webhooks,
  });
  const gateway = await startGateway({
    configPath,
    env,
    port: 0,
    hostname: '127.0.0.1',
    watchConfig: false,
    deps: { logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), redis: undefined },
  });
  const tokens = new Map<string, Promise<string>>();
  return {
    gateway,
    services,
    apis,
    faults,
    token(partner, scopes) {
      const key = `${partner} ${scopes ?? '*'}`;
      let token = tokens.get(key);
      if (!token) {
        token = issueTestToken(gateway.url, { clientId: partner, clientSecret: SECRET, ...(scopes ? { scope: scopes } : {}) });
        tokens.set(key, token);
      }
      return token;
    },
    async close() {
      await gateway.close();
      await services.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
