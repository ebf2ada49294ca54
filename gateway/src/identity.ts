import type { SecurityConfig } from './config/security-schema.ts';
import type { GatewayDeps } from './deps.ts';
import type { TrustedProxies } from './listener/trusted-proxies.ts';
import { createBuiltInIssuer, type BuiltInIssuer } from './partners/built-in-issuer.ts';
import { createClientLockout } from './partners/client-lockout.ts';
import { createPartnerRegistry, type PartnerRegistry } from './partners/partner-registry.ts';
import { createSecretVerifier } from './partners/secret-verifier.ts';
import type { SecurityMetrics } from './policies/authenticate/security-metrics.ts';
import { createTokenVerification, type TokenVerification } from './policies/authenticate/token-verification.ts';
import { createLimitStore, createRateLimiter, type RateLimiter } from './policies/rate-limit/index.ts';
import { tokenRequestLimit } from './policies/rate-limit/token-request-limit.ts';
import type { StateAcrossBuilds } from './state-across-builds.ts';

/**
 * Who may call, and how much: the partner registry (secrets verified through a bounded, cached
 * verifier), their rate limiter, the built-in token issuer with its per-client lockout (absent with
 * an external identity provider), and how bearer tokens are verified. What the authenticate,
 * authorize and rate-limit steps are built from; buildGateway and the security test gateway share it.
 */
export interface Identity {
  partners: PartnerRegistry;
  limiter: RateLimiter;
  issuer: BuiltInIssuer | undefined;
  verification: TokenVerification;
  close(): void;
}

export function createIdentity(options: {
  security: SecurityConfig;
  /** Every scope the contracts define (what `scopes: all` grants). */
  knownScopes: readonly string[];
  proxies: TrustedProxies;
  metrics: SecurityMetrics;
  state: StateAcrossBuilds;
  deps: GatewayDeps;
}): Identity {
  const { security, proxies, metrics, state, deps } = options;
  const secrets = createSecretVerifier(security.issuer.verification);
  const partners = createPartnerRegistry(security, { nodeEnv: deps.env.nodeEnv, verifySecret: secrets.verify });
  const store = createLimitStore({
    rateLimit: security.rateLimit,
    redis: deps.redis,
    logger: deps.logger,
    metrics,
    memoryLimiters: state.memoryLimiters,
    windowCounts: state.windowCounts,
    now: deps.now,
  });
  const limiter = createRateLimiter({ plans: partners.plans(), rateLimit: security.rateLimit, store, metrics });
  const { lockout } = security.issuer;
  const issuer = security.auth.jwksUrl
    ? undefined
    : createBuiltInIssuer({
        config: security,
        keyRings: state.keyRings,
        partners,
        knownScopes: options.knownScopes,
        admit: tokenRequestLimit({ limiter, proxies }),
        tokensIssued: metrics.tokensIssued,
        secrets,
        lockout: createClientLockout({
          failures: lockout.failures,
          baseMs: lockout.baseSeconds * 1000,
          maxMs: lockout.maxSeconds * 1000,
          redis: deps.redis,
          keyPrefix: `${security.rateLimit.keyPrefix}:lockout:`,
          logger: deps.logger,
          now: deps.now,
        }),
        logger: deps.logger,
        now: deps.now,
      });
  const verification = createTokenVerification({ auth: security.auth, keyRing: issuer?.keyRing, partners, metrics, state, deps });
  return {
    partners,
    limiter,
    issuer,
    verification,
    close() {
      store.close();
      verification.close();
      issuer?.close();
    },
  };
}
