import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Partner } from './partner-registry.ts';
import { ALL } from './partner-registry.ts';
import type { SigningKeyRing } from './signing-keys.ts';

/** Signs access tokens (RFC 9068 JWT profile) for the built-in client-credentials issuer. */
export interface TokenIssuerOptions {
  keyRing: SigningKeyRing;
  issuer: string;
  audience: string;
  tokenTtlSeconds: number;
  /** Every scope the contracts define; what a partner with `scopes: all` (the demo) is granted. */
  knownScopes: readonly string[];
  now: () => number;
}

export class ScopeNotAllowedError extends Error {
  constructor(readonly scopes: string[]) {
    super(`scope not allowed: ${scopes.join(' ')}`);
    this.name = this.constructor.name;
  }
}

export interface IssuedToken {
  accessToken: string;
  expiresIn: number;
  scope: string;
}

export function createTokenIssuer(options: TokenIssuerOptions) {
  return {
    /** Grants the requested scopes (all the partner may have when none are requested). */
    grantScopes(partner: Partner, requested: string | undefined): string[] {
      const allowed = partner.scopes === ALL ? new Set(options.knownScopes) : partner.scopes;
      if (requested === undefined || requested.trim() === '') return [...allowed];
      const wanted = [...new Set(requested.split(' ').filter(Boolean))];
      const refused = wanted.filter((scope) => !allowed.has(scope));
      if (refused.length > 0) throw new ScopeNotAllowedError(refused);
      return wanted;
    },

    async issue(partner: Partner, scopes: string[]): Promise<IssuedToken> {
      const key = options.keyRing.current();
      const iat = Math.floor(options.now() / 1000);
      const accessToken = await new SignJWT({ client_id: partner.clientId, scope: scopes.join(' ') })
        .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' })
        .setIssuer(options.issuer)
        .setAudience(options.audience)
        .setSubject(partner.clientId)
        .setIssuedAt(iat)
        .setExpirationTime(iat + options.tokenTtlSeconds)
        .setJti(randomUUID())
        .sign(key.privateKey);
      return { accessToken, expiresIn: options.tokenTtlSeconds, scope: scopes.join(' ') };
    },
  };
}

export type TokenIssuer = ReturnType<typeof createTokenIssuer>;
