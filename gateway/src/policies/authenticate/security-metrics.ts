import { Counter, Gauge, type Registry } from 'prom-client';

/**
 * The security metrics of one gateway, registered on its own Registry (never the global one).
 * Idempotent per registry, so authenticate, the issuer and rate limit can each ask for them.
 */
export interface SecurityMetrics {
  authRejections: Counter<'reason'>;
  tokenCache: Counter<'result'>;
  jwksRefreshFailures: Counter;
  jwksStale: Gauge;
  rateLimitDecisions: Counter<'policy' | 'outcome'>;
  rateLimitStoreFailures: Counter<'behaviour'>;
  tokensIssued: Counter<'outcome'>;
}

function once<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

export function securityMetrics(registry: Registry): SecurityMetrics {
  const registers = [registry];
  return {
    authRejections: once(
      registry,
      'concord_auth_rejections_total',
      () =>
        new Counter({
          name: 'concord_auth_rejections_total',
          help: 'Requests refused by authenticate/authorize, by reason',
          labelNames: ['reason'] as const,
          registers,
        }),
    ),
    tokenCache: once(
      registry,
      'concord_auth_token_cache_total',
      () =>
        new Counter({
          name: 'concord_auth_token_cache_total',
          help: 'Verified-token cache lookups',
          labelNames: ['result'] as const,
          registers,
        }),
    ),
    jwksRefreshFailures: once(
      registry,
      'concord_auth_jwks_refresh_failures_total',
      () =>
        new Counter({
          name: 'concord_auth_jwks_refresh_failures_total',
          help: 'Failed background refreshes of the identity provider JWKS',
          registers,
        }),
    ),
    jwksStale: once(
      registry,
      'concord_auth_jwks_stale',
      () =>
        new Gauge({
          name: 'concord_auth_jwks_stale',
          help: '1 while the gateway serves cached keys because the identity provider is unreachable',
          registers,
        }),
    ),
    rateLimitDecisions: once(
      registry,
      'concord_rate_limit_decisions_total',
      () =>
        new Counter({
          name: 'concord_rate_limit_decisions_total',
          help: 'Rate limit decisions by policy and outcome',
          labelNames: ['policy', 'outcome'] as const,
          registers,
        }),
    ),
    rateLimitStoreFailures: once(
      registry,
      'concord_rate_limit_store_failures_total',
      () =>
        new Counter({
          name: 'concord_rate_limit_store_failures_total',
          help: 'Rate limit decisions made without the shared store, by configured behaviour',
          labelNames: ['behaviour'] as const,
          registers,
        }),
    ),
    tokensIssued: once(
      registry,
      'concord_oauth_tokens_total',
      () =>
        new Counter({ name: 'concord_oauth_tokens_total', help: 'Token endpoint outcomes', labelNames: ['outcome'] as const, registers }),
    ),
  };
}
