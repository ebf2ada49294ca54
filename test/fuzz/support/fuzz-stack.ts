/**
 * The real gateway process entry (startGateway, the committed gateway.config.yaml) in front of the
 * real system APIs (startServices, embedded PGlite and in-process bus), as test/e2e starts them,
 * with two partners of their own on a plan generous enough that no fuzz case is refused for the
 * rate: `partner-a` and `partner-b`, each holding every API and every scope.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningGateway } from '@concord/gateway/src/main.ts';
import { hashClientSecret } from '@concord/gateway/src/partners/client-secret.ts';
import { issueTestToken } from '@concord/gateway/src/partners/testing/issue-test-token.ts';
import { startServices, type RunningServices } from '@concord/service-stack/src/start-services.ts';
import { startLocalGateway, writeGatewayConfig } from '../../support/local-gateway.ts';

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
  // A cheap scrypt cost: the secret is the test's own, and start-up should stay fast.
  const secret = await hashClientSecret(SECRET, { N: 1024, r: 8, p: 1 });
  const doc = await writeGatewayConfig(configPath, (config) => {
    // Tokens are cached per scope set below; this only keeps a long run's restarts from being refused.
    config.setIn(['security', 'rateLimit', 'tokenEndpoint'], { points: 1000, windowSeconds: 60 });
    config.setIn(['security', 'plans', 'fuzz'], { rateLimit: { points: 1_000_000, windowSeconds: 60 } });
    config.setIn(
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
  });
  const apis = (doc.toJS() as { apis: ApiBinding[] }).apis.map(({ contract, basePath }) => ({ contract, basePath }));
  const gateway = await startLocalGateway(configPath, services.urls);
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
