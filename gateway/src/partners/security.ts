import type { Hono, MiddlewareHandler } from 'hono';
import { applySecurityEnv, type SecurityConfig } from '../config/security-schema.ts';
import type { GatewayDeps } from '../deps.ts';
import type { GatewayEnv } from '../env.ts';
import type { CompiledRoute } from '../route-variables.ts';
import { authenticatePolicy } from '../policies/authenticate/authenticate.ts';
import { createRemoteKeySource, type KeySource } from '../policies/authenticate/remote-key-source.ts';
import { securityMetrics } from '../policies/authenticate/security-metrics.ts';
import { createTokenVerifier, type TokenVerifier } from '../policies/authenticate/token-verifier.ts';
import { assertRoutesSecured } from '../policies/authorize/assert-routes-secured.ts';
import { authorizePolicy } from '../policies/authorize/authorize.ts';
import { createLimitStore } from '../policies/rate-limit/limit-store.ts';
import { rateLimitPolicy } from '../policies/rate-limit/rate-limit.ts';
import { createRateLimiter, type RateLimiter } from '../policies/rate-limit/rate-limiter.ts';
import { createPartnerRegistry, type PartnerRegistry } from './partner-registry.ts';
import { acquireKeySource, securityStateFor } from './security-state.ts';
import { SigningKeyRing } from './signing-keys.ts';
import { tokenEndpointRoutes } from './token-endpoint.ts';
import { createTokenIssuer } from './token-issuer.ts';

/**
 * The security part of the pipeline, assembled once per gateway from the `security` config block:
 * buildGateway mounts `routes` (token endpoint + JWKS, absent with an external IdP) and inserts
 * authenticate -> authorize -> rateLimit after the route match. Fails at start-up on an operation
 * without a security requirement that the config does not mark public.
 */
export interface GatewaySecurity {
  authenticate: MiddlewareHandler<GatewayEnv>;
  authorize: MiddlewareHandler<GatewayEnv>;
  rateLimit: MiddlewareHandler<GatewayEnv>;
  /** `POST /oauth/token` and `GET /.well-known/jwks.json`; undefined when AUTH_JWKS_URL is set. */
  routes: Hono | undefined;
  partners: PartnerRegistry;
  limiter: RateLimiter;
  verifier: TokenVerifier;
  /** The built-in issuer's keys (rotate() in tests/admin); undefined with an external IdP. */
  keyRing: SigningKeyRing | undefined;
  /** Lines to print at start: the demo credentials (never in production). */
  startupBanner(): string[];
  close(): void;
}

export interface SecurityOptions {
  /** Every compiled route; each must be secured by its contract or public on purpose (CompiledRoute.public). */
  routes: readonly CompiledRoute[];
}

export function createGatewaySecurity(input: SecurityConfig, deps: GatewayDeps, options: SecurityOptions): GatewaySecurity {
  const env = deps.env;
  const config = applySecurityEnv(input, env.auth);
  assertRoutesSecured(options.routes);

  const metrics = securityMetrics(deps.metrics);
  const partners = createPartnerRegistry(config, { nodeEnv: env.nodeEnv });
  const state = securityStateFor(deps);
  const store = createLimitStore({
    rateLimit: config.rateLimit,
    redis: deps.redis,
    logger: deps.logger,
    metrics,
    memoryLimiters: state.memoryLimiters,
  });
  const limiter = createRateLimiter({ plans: partners.plans(), rateLimit: config.rateLimit, store, metrics });
  const unknownClientPlan = config.auth.unknownClientPlan;

  let keyRing: SigningKeyRing | undefined;
  let keySource: KeySource | undefined;
  let releaseKeySource: (() => void) | undefined;
  let rotation: NodeJS.Timeout | undefined;
  let routes: Hono | undefined;
  if (config.auth.jwksUrl) {
    const { jwksUrl } = config.auth;
    const held = acquireKeySource(state, JSON.stringify([jwksUrl, config.auth.jwks]), () =>
      createRemoteKeySource({ url: jwksUrl, ...config.auth.jwks, fetch: deps.fetch, logger: deps.logger, metrics }),
    );
    keySource = held.source;
    releaseKeySource = held.release;
  } else {
    const lifetimes = { tokenTtlSeconds: config.issuer.tokenTtlSeconds, clockToleranceSeconds: config.auth.clockToleranceSeconds };
    keyRing = state.keyRings.get(config.issuer.algorithm);
    if (keyRing) keyRing.configure(lifetimes);
    else {
      keyRing = new SigningKeyRing({ algorithm: config.issuer.algorithm, ...lifetimes, now: deps.now });
      state.keyRings.set(config.issuer.algorithm, keyRing);
    }
    if (config.issuer.rotateEverySeconds) {
      const ring = keyRing;
      rotation = setInterval(() => ring.rotate(), config.issuer.rotateEverySeconds * 1000);
      rotation.unref();
    }
    const knownScopes = [...new Set(options.routes.flatMap((route) => route.scopes))].sort();
    const issuer = createTokenIssuer({
      keyRing,
      issuer: config.auth.issuer,
      audience: config.auth.audience,
      tokenTtlSeconds: config.issuer.tokenTtlSeconds,
      knownScopes,
      now: deps.now,
    });
    routes = tokenEndpointRoutes({
      partners,
      issuer,
      keyRing,
      limiter,
      trustForwardedFor: config.rateLimit.trustForwardedFor,
      metrics,
      logger: deps.logger,
    });
  }
  const verifier = createTokenVerifier({
    auth: config.auth,
    unknownClientPlan,
    resolveKey: keySource ? keySource.resolve : keyRing!.resolve,
    partners,
    metrics,
    now: deps.now,
  });
  const unsubscribe = keySource?.onKeysRemoved(() => verifier.forgetVerified());
  let closed = false;

  return {
    authenticate: authenticatePolicy({ verifier, metrics }),
    authorize: authorizePolicy({ metrics, requireKnownPartner: unknownClientPlan === undefined }),
    rateLimit: rateLimitPolicy({ limiter, trustForwardedFor: config.rateLimit.trustForwardedFor }),
    routes,
    partners,
    limiter,
    verifier,
    keyRing,
    startupBanner() {
      const lines: string[] = [];
      if (config.auth.jwksUrl)
        lines.push(`auth: verifying tokens of ${config.auth.jwksUrl} (iss ${config.auth.issuer}, aud ${config.auth.audience})`);
      if (partners.demo && routes) {
        lines.push(
          'Demo credentials (refused when NODE_ENV=production):',
          `  client_id:     ${partners.demo.clientId}`,
          `  client_secret: ${partners.demo.clientSecret}`,
          `  curl -s -u ${partners.demo.clientId}:${partners.demo.clientSecret} -d grant_type=client_credentials http://localhost:${env.port ?? 8080}/oauth/token`,
        );
      } else if (config.demo.enabled && env.nodeEnv === 'production') {
        lines.push('Demo credentials are disabled because NODE_ENV=production.');
      }
      return lines;
    },
    close() {
      if (closed) return;
      closed = true;
      unsubscribe?.();
      releaseKeySource?.();
      if (rotation) clearInterval(rotation);
    },
  };
}
