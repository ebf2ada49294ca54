/**
 * The gateway configs of the benchmark, written to a temporary directory: customers v2 and orders v1
 * in front of the bench upstream. `routing`: every operation public, validation off, no access log
 * (public operations are still counted per client IP, with a limit that is never reached: there is
 * no switch for that). `full`: the shipped defaults (JWT, scopes, request validation enforced,
 * response validation reported, metrics, access log at info) with a plan limit that is never reached.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Far above what one run can send, so the limiter counts every request and refuses none. */
const NEVER_REACHED = { points: 1_000_000_000, windowSeconds: 3600 };

export type BenchConfigKind = 'routing' | 'full';

/** Several workers (server.workers) need what they share: Redis (the caller's REDIS_URL) and the issuer's key file. */
export interface BenchWorkers {
  workers: number;
  keyFile: string;
}

export function benchConfig(
  kind: BenchConfigKind,
  upstreamUrl: string,
  keyPrefix: string,
  cluster?: BenchWorkers,
): Record<string, unknown> {
  const upstream = { url: upstreamUrl, connections: 64 };
  return {
    server: { port: 0, shutdownGraceMs: 1000, watchConfig: false, ...(cluster ? { workers: cluster.workers } : {}) },
    upstreams: { customers: upstream, orders: upstream },
    defaults: {
      policies:
        kind === 'routing'
          ? { public: true, validation: { request: 'off', response: 'off' } }
          : { validation: { request: 'enforce', response: 'report' } },
    },
    apis: [
      { contract: 'customers.v2', basePath: '/v2', upstream: 'customers' },
      { contract: 'orders.v1', basePath: '/v1', upstream: 'orders' },
    ],
    security: {
      ...(cluster ? { issuer: { keyFile: cluster.keyFile } } : {}),
      plans: { demo: { rateLimit: NEVER_REACHED } },
      rateLimit: { keyPrefix, perIp: NEVER_REACHED, tokenEndpoint: { points: 1000, windowSeconds: 60 } },
    },
    observability: { accessLog: { enabled: kind !== 'routing' }, readiness: { checkUpstreams: false } },
  };
}

export function writeBenchConfig(
  dir: string,
  kind: BenchConfigKind,
  upstreamUrl: string,
  keyPrefix: string,
  cluster?: BenchWorkers,
): string {
  const file = join(dir, `gateway.${kind}${cluster ? `.${cluster.workers}-workers` : ''}.yaml`);
  // JSON is YAML: the gateway reads it with its own loader, line numbers and all.
  writeFileSync(file, `${JSON.stringify(benchConfig(kind, upstreamUrl, keyPrefix, cluster), null, 2)}\n`);
  return file;
}
