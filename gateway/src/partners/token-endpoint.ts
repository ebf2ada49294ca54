import { Hono, type Context } from 'hono';
import type { Logger } from 'pino';
import type { Counter } from 'prom-client';
import type { ClientLockout } from './client-lockout.ts';
import type { PartnerRegistry } from './partner-registry.ts';
import { createPerKeyQueue, KeyQueueFullError } from './per-key-queue.ts';
import { SecretVerifierBusyError, type SecretVerifier } from './secret-verifier.ts';
import type { SigningKeyRing } from './signing-keys.ts';
import { ScopeNotAllowedError, type TokenIssuer } from './token-issuer.ts';

/**
 * `POST /oauth/token` (RFC 6749 §4.4, client credentials) and `GET /.well-known/jwks.json`.
 * Errors on the token endpoint are OAuth's own JSON (§5.2: `{ error, error_description }`), not
 * problem+json: OAuth clients parse that shape. The endpoint is limited per client IP.
 */
export interface TokenEndpointOptions {
  partners: PartnerRegistry;
  issuer: TokenIssuer;
  keyRing: SigningKeyRing;
  /** Whether this token request may proceed: the rate limit's decision, injected (partners/ depends on no policy). */
  admit(c: Context): Promise<TokenRequestAdmission>;
  /** Misses per client id and the lock they lead to. */
  lockout: ClientLockout;
  /** What verified recently (the registry's authenticate verifies through the same verifier). */
  secrets: Pick<SecretVerifier, 'known'>;
  /** Token requests by outcome (`issued`, `locked_out`, `busy`, or the OAuth error code). */
  tokensIssued: Pick<Counter<'outcome'>, 'inc'>;
  logger: Logger;
}

export type TokenRequestAdmission =
  | { admitted: true; headers: Record<string, string> }
  | { admitted: false; status: 429 | 503; description: string; headers: Record<string, string> };

type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'rate_limited'
  | 'temporarily_unavailable';

/** A client-credentials request is a few hundred bytes; refuse anything that is not. */
const MAX_TOKEN_REQUEST_BYTES = 8192;

const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };

function oauthError(
  c: Context,
  status: 400 | 401 | 429 | 503,
  error: OAuthErrorCode,
  description: string,
  headers: Record<string, string> = {},
) {
  return c.json({ error, error_description: description }, status, { ...NO_STORE, ...headers });
}

/** RFC 6749 §2.3.1: Basic credentials are form-urlencoded before base64. */
function basicCredentials(header: string | undefined): { clientId: string; secret: string } | undefined | null {
  if (!header) return undefined;
  const match = /^Basic +([A-Za-z0-9+/=]+) *$/i.exec(header);
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  const unform = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
  try {
    return { clientId: unform(decoded.slice(0, colon)), secret: unform(decoded.slice(colon + 1)) };
  } catch {
    return null;
  }
}

export function tokenEndpointRoutes(options: TokenEndpointOptions): Hono {
  const { partners, issuer, keyRing, tokensIssued, lockout, secrets } = options;
  const oneAtATime = createPerKeyQueue(32);
  const app = new Hono();

  app.get('/.well-known/jwks.json', (c) => c.json(keyRing.jwks(), 200, { 'Cache-Control': 'public, max-age=300' }));

  app.post('/oauth/token', async function tokenEndpoint(c) {
    const admission = await options.admit(c);
    if (!admission.admitted) {
      if (admission.status === 503) return oauthError(c, 503, 'temporarily_unavailable', admission.description, admission.headers);
      tokensIssued.inc({ outcome: 'rate_limited' });
      return oauthError(c, 429, 'rate_limited', admission.description, admission.headers);
    }
    const rateHeaders = admission.headers;
    const fail = (status: 400 | 401, error: OAuthErrorCode, description: string, headers: Record<string, string> = {}) => {
      tokensIssued.inc({ outcome: error });
      return oauthError(c, status, error, description, { ...rateHeaders, ...headers });
    };

    const contentType = c.req.header('content-type') ?? '';
    if (!/^application\/x-www-form-urlencoded\b/i.test(contentType)) {
      return fail(400, 'invalid_request', 'The token request must be application/x-www-form-urlencoded.');
    }
    const declared = Number(c.req.header('content-length') ?? 0);
    const text = declared > MAX_TOKEN_REQUEST_BYTES ? undefined : await c.req.text();
    if (text === undefined || text.length > MAX_TOKEN_REQUEST_BYTES) {
      return fail(400, 'invalid_request', `The token request body is larger than ${MAX_TOKEN_REQUEST_BYTES} bytes.`);
    }
    const params = new URLSearchParams(text);
    for (const name of new Set(params.keys())) {
      if (params.getAll(name).length > 1) return fail(400, 'invalid_request', `The parameter "${name}" is repeated.`);
    }
    const grantType = params.get('grant_type');
    if (!grantType) return fail(400, 'invalid_request', 'The grant_type parameter is missing.');
    if (grantType !== 'client_credentials') return fail(400, 'unsupported_grant_type', 'Only grant_type=client_credentials is supported.');

    const basic = basicCredentials(c.req.header('authorization'));
    if (basic === null) return fail(400, 'invalid_request', 'The Authorization header is not valid HTTP Basic client authentication.');
    const bodyId = params.get('client_id') ?? undefined;
    const bodySecret = params.get('client_secret') ?? undefined;
    if (basic && bodySecret !== null && bodySecret !== undefined) {
      return fail(400, 'invalid_request', 'Use one client authentication method, not both Basic and client_secret.');
    }
    const clientId = basic?.clientId ?? bodyId;
    const secret = basic?.secret ?? bodySecret;
    const challenge: Record<string, string> = basic ? { 'WWW-Authenticate': 'Basic realm="concord"' } : {};
    if (!clientId || !secret)
      return fail(401, 'invalid_client', 'Client authentication is missing (HTTP Basic or client_id and client_secret).', challenge);

    // A secret that verified recently passes even a locked id: only its holder can present it, so an
    // attacker guessing at an id cannot lock its real client out of tokens.
    const known = partners.get(clientId)?.secrets.some((hash) => secrets.known(secret, hash)) ?? false;
    const attempt = async (): Promise<Response> => {
      const { lockedMs, misses } = known ? { lockedMs: 0, misses: 0 } : await lockout.status(clientId);
      if (lockedMs > 0) {
        // Answered exactly like a wrong secret: a lock must not confirm that the id exists.
        tokensIssued.inc({ outcome: 'locked_out' });
        return oauthError(c, 401, 'invalid_client', 'Client authentication failed.', { ...rateHeaders, ...challenge });
      }
      // An id with recent misses waits behind clients without them.
      const partner = await partners.authenticate(clientId, secret, misses > 0 ? 'low' : 'high');
      if (!partner) {
        if ((await lockout.failed(clientId)) > 0)
          options.logger.warn({ client_id: clientId }, 'client id locked after failed authentications');
        return fail(401, 'invalid_client', 'Client authentication failed.', challenge);
      }
      await lockout.succeeded(clientId);

      let scopes: string[];
      try {
        scopes = issuer.grantScopes(partner, params.get('scope') ?? undefined);
      } catch (err) {
        if (err instanceof ScopeNotAllowedError)
          return fail(400, 'invalid_scope', `The client may not be granted: ${err.scopes.join(' ')}.`);
        throw err;
      }
      const token = await issuer.issue(partner, scopes);
      tokensIssued.inc({ outcome: 'issued' });
      return c.json({ access_token: token.accessToken, token_type: 'Bearer', expires_in: token.expiresIn, scope: token.scope }, 200, {
        ...NO_STORE,
        ...rateHeaders,
      });
    };
    try {
      // One authentication per client id at a time, so every guess is counted before the next is tried.
      return known ? await attempt() : await oneAtATime.run(clientId, attempt);
    } catch (err) {
      if (!(err instanceof SecretVerifierBusyError) && !(err instanceof KeyQueueFullError)) throw err;
      tokensIssued.inc({ outcome: 'busy' });
      return oauthError(c, 503, 'temporarily_unavailable', err.message, { ...rateHeaders, 'Retry-After': '1' });
    }
  });

  return app;
}
