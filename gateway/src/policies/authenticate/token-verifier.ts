import { errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { SecurityConfig } from '../../config/security-schema.ts';
import { ALL, type Partner, type PartnerRegistry } from '../../partners/partner-registry.ts';
import type { Principal } from '../principal-variables.ts';
import { AuthUnavailableError, InvalidApiKeyError, InvalidTokenError } from './auth-errors.ts';
import type { SecurityMetrics } from './security-metrics.ts';
import { VerifiedTokenCache } from './verified-token-cache.ts';

export interface TokenVerifierOptions {
  auth: SecurityConfig['auth'];
  /** Plan for clients an external IdP vouches for but the config does not list; undefined refuses them later. */
  unknownClientPlan?: string | undefined;
  resolveKey: JWTVerifyGetKey;
  partners: PartnerRegistry;
  metrics: SecurityMetrics;
  now: () => number;
}

export interface TokenVerifier {
  /** The principal of a valid token; throws InvalidTokenError (401) or AuthUnavailableError (503). */
  verify(token: string): Promise<Principal>;
  /** The principal of a partner API key; throws InvalidApiKeyError (401), the same for every reason. */
  verifyApiKey(key: string): Principal;
  /** Forget every verified token (a key was removed at the provider). */
  forgetVerified(): void;
}

/**
 * A partner's scopes in the config cap what any token of theirs carries, whichever issuer signed it:
 * an external identity provider that grants more than the config does is not taken at its word.
 */
export function capScopes(granted: ReadonlySet<string>, partner: Partner | undefined): ReadonlySet<string> {
  if (!partner || partner.scopes === ALL) return granted;
  const allowed = partner.scopes;
  let capped: Set<string> | undefined;
  for (const scope of granted) {
    if (allowed.has(scope)) continue;
    capped ??= new Set(granted);
    capped.delete(scope);
  }
  return capped ?? granted;
}

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/;

export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const { auth, partners, metrics, now } = options;
  const cache = new VerifiedTokenCache<Principal>(auth.verifiedTokenCacheSize);
  const toleranceMs = auth.clockToleranceSeconds * 1000;

  function toPrincipal(payload: JWTPayload): Principal {
    const clientId = auth.clientIdClaims
      .map((claim) => payload[claim])
      .find((value): value is string => typeof value === 'string' && value.length > 0);
    if (!clientId) throw new InvalidTokenError('no_client', `The token names no client (${auth.clientIdClaims.join(', ')}).`);
    const scopeClaim = payload.scope ?? payload.scp;
    const scopes = new Set(
      typeof scopeClaim === 'string'
        ? scopeClaim.split(' ').filter(Boolean)
        : Array.isArray(scopeClaim)
          ? scopeClaim.filter((s): s is string => typeof s === 'string')
          : [],
    );
    const partner = partners.get(clientId);
    const plan = partner?.plan ?? options.unknownClientPlan;
    return {
      clientId,
      scopes: capScopes(scopes, partner),
      ...(plan ? { plan } : {}),
      ...(payload.exp ? { expiresAt: payload.exp } : {}),
      ...(partner ? { partner } : {}),
    };
  }

  // One principal per partner, built on first use: an API key's scopes are its partner's.
  const keyPrincipals = new Map<string, Principal>();

  return {
    forgetVerified: () => cache.clear(),
    verifyApiKey(key) {
      if (key.length > 256) throw new InvalidApiKeyError();
      const partner = partners.byApiKey(key);
      if (!partner) throw new InvalidApiKeyError();
      let principal = keyPrincipals.get(partner.clientId);
      if (!principal) {
        principal = {
          clientId: partner.clientId,
          scopes: partner.scopes === ALL ? new Set() : partner.scopes,
          plan: partner.plan,
          partner,
        };
        keyPrincipals.set(partner.clientId, principal);
      }
      return principal;
    },
    async verify(token) {
      if (token.length > auth.maxTokenBytes) {
        throw new InvalidTokenError('too_large', `The token is larger than ${auth.maxTokenBytes} bytes.`);
      }
      const at = now();
      const cached = cache.get(token, at);
      if (cached) {
        metrics.tokenCache.inc({ result: 'hit' });
        return cached;
      }
      metrics.tokenCache.inc({ result: 'miss' });
      if (!COMPACT_JWS.test(token)) throw new InvalidTokenError('malformed', 'The token is not a compact JWS (header.payload.signature).');
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, options.resolveKey, {
          issuer: auth.issuer,
          audience: auth.audience,
          algorithms: auth.algorithms,
          clockTolerance: auth.clockToleranceSeconds,
          currentDate: new Date(at),
          requiredClaims: ['exp'],
          ...(auth.maxTokenAgeSeconds ? { maxTokenAge: auth.maxTokenAgeSeconds } : {}),
        }));
      } catch (err) {
        throw toAuthError(err);
      }
      if (typeof payload.iat === 'number' && payload.iat * 1000 > at + toleranceMs) {
        throw new InvalidTokenError('iat_future', 'The token claims to be issued in the future (iat).');
      }
      const principal = toPrincipal(payload);
      cache.set(token, principal, payload.exp! * 1000 + toleranceMs);
      return principal;
    },
  };
}

/** The one place jose's error codes become HTTP answers. Details name the check, never key material. */
export function toAuthError(err: unknown): InvalidTokenError | AuthUnavailableError {
  if (err instanceof InvalidTokenError || err instanceof AuthUnavailableError) return err;
  if (err instanceof errors.JWTExpired)
    return new InvalidTokenError('expired', `The token has expired (exp ${err.payload.exp ?? '?'}).`, err);
  if (err instanceof errors.JWTClaimValidationFailed) {
    switch (err.claim) {
      case 'nbf':
        return new InvalidTokenError('not_yet_valid', 'The token is not yet valid (nbf).', err);
      case 'iss':
        return new InvalidTokenError('wrong_issuer', 'The token was issued by an issuer this gateway does not trust (iss).', err);
      case 'aud':
        return new InvalidTokenError('wrong_audience', 'The token is not meant for this API (aud).', err);
      case 'iat':
        return new InvalidTokenError('bad_iat', 'The token’s issue time (iat) is not acceptable.', err);
      case 'exp':
        return new InvalidTokenError('no_exp', 'The token has no expiry (exp).', err);
      default:
        return new InvalidTokenError('bad_claim', `The token’s "${err.claim}" claim is not acceptable.`, err);
    }
  }
  if (err instanceof errors.JOSEAlgNotAllowed)
    return new InvalidTokenError('alg_not_allowed', 'The token is signed with an algorithm this gateway does not accept.', err);
  if (err instanceof errors.JWSSignatureVerificationFailed)
    return new InvalidTokenError('bad_signature', 'The token’s signature does not verify.', err);
  if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) {
    return new InvalidTokenError('unknown_key', 'The token is signed by a key the identity provider does not publish (kid).', err);
  }
  if (
    err instanceof errors.JWKSTimeout ||
    err instanceof errors.JWKSInvalid ||
    (err instanceof errors.JOSEError && err.code === 'ERR_JOSE_GENERIC') ||
    err instanceof TypeError
  ) {
    // Fetching the key set failed (network, timeout, non-200): not the client's fault.
    return new AuthUnavailableError(err);
  }
  if (err instanceof errors.JWTInvalid || err instanceof errors.JWSInvalid || err instanceof errors.JOSENotSupported) {
    return new InvalidTokenError('malformed', 'The token is malformed or uses an unsupported construction.', err);
  }
  return new InvalidTokenError('invalid', 'The token could not be verified.', err);
}
