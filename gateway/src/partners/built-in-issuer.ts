import type { Hono } from 'hono';
import type { Logger } from 'pino';
import type { SecurityConfig } from '../config/security-schema.ts';
import type { PartnerRegistry } from './partner-registry.ts';
import { readIssuerKeyFile } from './issuer-key-file.ts';
import { SigningKeyRing } from './signing-keys.ts';
import { tokenEndpointRoutes, type TokenEndpointOptions } from './token-endpoint.ts';
import { createTokenIssuer } from './token-issuer.ts';

/**
 * The built-in OAuth issuer, used when no external identity provider is configured: its signing keys
 * (rotated on a timer when configured), `POST /oauth/token` and `GET /.well-known/jwks.json`.
 */
export interface BuiltInIssuer {
  keyRing: SigningKeyRing;
  /** The token endpoint and the JWKS, mounted by buildGateway before the contract pipeline. */
  routes: Hono;
  close(): void;
}

export interface BuiltInIssuerOptions extends Pick<TokenEndpointOptions, 'admit' | 'tokensIssued' | 'lockout' | 'secrets'> {
  config: Pick<SecurityConfig, 'auth' | 'issuer'>;
  /** Key rings by algorithm that outlive one build: a config reload must not invalidate issued tokens. */
  keyRings: Map<string, SigningKeyRing>;
  partners: PartnerRegistry;
  /** Every scope the contracts define (what `scopes: all` grants). */
  knownScopes: readonly string[];
  logger: Logger;
  now: () => number;
}

export function createBuiltInIssuer(options: BuiltInIssuerOptions): BuiltInIssuer {
  const { auth, issuer: settings } = options.config;
  const lifetimes = { tokenTtlSeconds: settings.tokenTtlSeconds, clockToleranceSeconds: auth.clockToleranceSeconds };
  // Keys from the operator's file are read on every build, so a reload publishes a rotation.
  const fileRing = settings.keyFile
    ? new SigningKeyRing(
        { algorithm: settings.algorithm, ...lifetimes, now: options.now },
        readIssuerKeyFile(settings.keyFile, settings.algorithm),
      )
    : undefined;
  let keyRing = fileRing ?? options.keyRings.get(settings.algorithm);
  if (keyRing) keyRing.configure(lifetimes);
  else {
    keyRing = new SigningKeyRing({ algorithm: settings.algorithm, ...lifetimes, now: options.now });
    options.keyRings.set(settings.algorithm, keyRing);
  }
  let rotation: NodeJS.Timeout | undefined;
  if (settings.rotateEverySeconds) {
    const ring = keyRing;
    rotation = setInterval(() => ring.rotate(), settings.rotateEverySeconds * 1000);
    rotation.unref();
  }
  const issuer = createTokenIssuer({
    keyRing,
    issuer: auth.issuer,
    audience: auth.audience,
    tokenTtlSeconds: settings.tokenTtlSeconds,
    knownScopes: options.knownScopes,
    now: options.now,
  });
  const routes = tokenEndpointRoutes({
    partners: options.partners,
    issuer,
    keyRing,
    admit: options.admit,
    tokensIssued: options.tokensIssued,
    lockout: options.lockout,
    secrets: options.secrets,
    logger: options.logger,
  });
  return {
    keyRing,
    routes,
    close() {
      if (rotation) clearInterval(rotation);
    },
  };
}
