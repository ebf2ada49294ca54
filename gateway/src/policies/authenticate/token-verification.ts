import type { SecurityConfig } from '../../config/security-schema.ts';
import type { GatewayDeps } from '../../deps.ts';
import type { PartnerRegistry } from '../../partners/partner-registry.ts';
import type { SigningKeyRing } from '../../partners/signing-keys.ts';
import { acquireKeySource, type StateAcrossBuilds } from '../../state-across-builds.ts';
import { createRemoteKeySource } from './remote-key-source.ts';
import type { SecurityMetrics } from './security-metrics.ts';
import { createTokenVerifier, type TokenVerifier } from './token-verifier.ts';

/**
 * How bearer tokens are verified: with the built-in issuer's key ring, or with an external identity
 * provider's JWKS (AUTH_JWKS_URL). The remote key set is shared by every build of one process, so a
 * reload keeps the keys it may be serving stale during a provider outage.
 */
export interface TokenVerification {
  verifier: TokenVerifier;
  close(): void;
}

export function createTokenVerification(options: {
  auth: SecurityConfig['auth'];
  /** The built-in issuer's keys; required when auth.jwksUrl is unset. */
  keyRing: SigningKeyRing | undefined;
  partners: PartnerRegistry;
  metrics: SecurityMetrics;
  state: StateAcrossBuilds;
  deps: Pick<GatewayDeps, 'fetch' | 'logger' | 'now'>;
}): TokenVerification {
  const { auth, deps, metrics } = options;
  const remote = auth.jwksUrl
    ? acquireKeySource(options.state, JSON.stringify([auth.jwksUrl, auth.jwks]), () =>
        createRemoteKeySource({ url: auth.jwksUrl!, ...auth.jwks, fetch: deps.fetch, logger: deps.logger, metrics }),
      )
    : undefined;
  const resolveKey = remote?.source.resolve ?? options.keyRing?.resolve;
  if (!resolveKey) throw new Error('token verification needs the built-in issuer when no AUTH_JWKS_URL is set');
  const verifier = createTokenVerifier({
    auth,
    unknownClientPlan: auth.unknownClientPlan,
    resolveKey,
    partners: options.partners,
    metrics,
    now: deps.now,
  });
  const unsubscribe = remote?.source.onKeysRemoved(() => verifier.forgetVerified());
  let closed = false;
  return {
    verifier,
    close() {
      if (closed) return;
      closed = true;
      unsubscribe?.();
      remote?.release();
    },
  };
}
