import { GatewayError } from '../../errors.ts';
import { acceptedAlternatives, describeAlternatives, type CompiledSecurity } from '../authorize/security-requirements.ts';

/** RFC 6750 §3: error_description may hold only %x20-21 / %x23-5B / %x5D-7E. */
function quoteSafe(text: string): string {
  return text.replace(/[^\x20-\x7e]|["\\]/g, "'");
}

export function bearerChallenge(params: { error?: string; description?: string; scope?: string }): string {
  const parts = ['Bearer realm="concord"'];
  if (params.error) parts.push(`error="${params.error}"`);
  if (params.description) parts.push(`error_description="${quoteSafe(params.description)}"`);
  if (params.scope) parts.push(`scope="${quoteSafe(params.scope)}"`);
  return parts.join(', ');
}

/** No credentials at all: RFC 6750 §3.1 says the challenge carries no error code. */
export class UnauthenticatedError extends GatewayError {
  static readonly code = 'UNAUTHENTICATED' as const;
  constructor(detail = 'This operation needs a bearer token: send `Authorization: Bearer <token>`.') {
    super('UNAUTHENTICATED', detail, { headers: { 'WWW-Authenticate': bearerChallenge({}) } });
  }
}

/** The token is malformed, expired, for someone else, or its signature fails. */
export class InvalidTokenError extends GatewayError {
  static readonly code = 'INVALID_TOKEN' as const;
  /** A short machine-readable reason, also the metric label. */
  readonly reason: string;
  constructor(reason: string, detail: string, cause?: unknown) {
    super('INVALID_TOKEN', detail, {
      cause,
      headers: { 'WWW-Authenticate': bearerChallenge({ error: 'invalid_token', description: detail }) },
      extensions: { reason },
    });
    this.reason = reason;
  }
}

/** The identity provider's keys could not be obtained and none are cached. */
export class AuthUnavailableError extends GatewayError {
  static readonly code = 'AUTH_UNAVAILABLE' as const;
  constructor(cause?: unknown) {
    super('AUTH_UNAVAILABLE', 'The identity provider’s signing keys could not be obtained; try again shortly.', {
      cause,
      headers: { 'Retry-After': '5' },
    });
  }
}

/**
 * No credential this operation accepts was sent, or what was sent satisfies none of its alternatives:
 * the answer names what would have (`accepted`), and challenges for a bearer token only when one is
 * among them.
 */
export class CredentialsRequiredError extends GatewayError {
  static readonly code = 'UNAUTHENTICATED' as const;
  constructor(security: CompiledSecurity, reason: string) {
    super('UNAUTHENTICATED', `${reason} This operation accepts ${describeAlternatives(security)}.`, {
      headers: security.acceptsBearer ? { 'WWW-Authenticate': bearerChallenge({}) } : {},
      extensions: { accepted: acceptedAlternatives(security) },
    });
  }
}

/** One answer for a key that never existed, was revoked, or belongs to a disabled partner. */
export class InvalidApiKeyError extends GatewayError {
  static readonly code = 'INVALID_API_KEY' as const;
  constructor() {
    super('INVALID_API_KEY', 'The API key is not valid.');
  }
}
