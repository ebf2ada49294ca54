import { availableParallelism } from 'node:os';
import type { GatewayConfig } from '../config/schema.ts';

/** `server.workers` as a number: auto is one worker per core this process may use. */
export function workerCount(config: Pick<GatewayConfig, 'server'>): number {
  return config.server.workers === 'auto' ? availableParallelism() : config.server.workers;
}

/**
 * Why this config cannot run as more than one process, in one line naming the setting and the fix,
 * or undefined. Rate limits, idempotency records and the built-in issuer's keys live in the process
 * by default: with several workers or replicas each would count its own budget, replay only its own
 * responses and refuse the others' tokens, so start-up refuses instead of serving that silently.
 */
export function sharedStateProblem(config: GatewayConfig, has: { redis: boolean; jwksUrl: string | undefined }): string | undefined {
  const workers = workerCount(config);
  const { replicas } = config.server;
  if (workers <= 1 && replicas <= 1) return undefined;
  const setting =
    workers > 1
      ? `server.workers is ${config.server.workers}${config.server.workers === 'auto' ? ` (${workers})` : ''}`
      : `server.replicas is ${replicas}`;
  if (!has.redis)
    return `${setting} but REDIS_URL is not set: rate limits and idempotency records would be kept per process; set REDIS_URL to a Redis every process reaches, or run one process (server.workers: 1, server.replicas: 1)`;
  if (config.security.rateLimit.store === 'memory')
    return `${setting} but security.rateLimit.store is memory: each process would count its own budget; set it to auto or redis`;
  if (!config.security.auth.jwksUrl && !has.jwksUrl && !config.security.issuer.keyFile)
    return `${setting} but security.issuer.keyFile is not set: each process would sign tokens with its own key that the others refuse; set it to a PEM private key (openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out issuer-key.pem) or use an external identity provider (AUTH_JWKS_URL)`;
  return undefined;
}
