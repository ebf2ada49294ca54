import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A PKCS#8 P-256 private key, as `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256` writes it. */
export function writeIssuerKey(dir: string, name = 'issuer-key.pem'): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const file = join(dir, name);
  writeFileSync(file, privateKey.export({ format: 'pem', type: 'pkcs8' }));
  return file;
}

/** JSON is YAML: the gateway reads it with its own loader, line numbers and all. */
export function writeConfig(dir: string, config: unknown, name = 'gateway.config.yaml'): string {
  const file = join(dir, name);
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
  return file;
}

/** orders.v1 in front of `ordersUrl`, the demo partner on a plan of `points` per hour. */
export function ordersGatewayConfig(ordersUrl: string, server: Record<string, unknown>, points: number): Record<string, unknown> {
  return {
    server: { shutdownGraceMs: 5000, ...server },
    upstreams: { orders: { url: ordersUrl, timeoutMs: 10_000 } },
    apis: [{ contract: 'orders.v1', basePath: '/v1', upstream: 'orders', policies: { validation: { response: 'off' } } }],
    security: {
      issuer: { keyFile: 'issuer-key.pem' },
      plans: { demo: { rateLimit: { points, windowSeconds: 3600 } } },
    },
    observability: { readiness: { checkUpstreams: false } },
  };
}
