/**
 * Every failure the gateway answers with is a GatewayError: a code from one union (so a
 * `switch (err.code)` narrows), an HTTP status, and a detail that is safe to show a client.
 * Only `app.onError` turns them into RFC 9457 bodies (see problem-response.ts).
 */
import type { FieldError } from '@concord/contracts/src/problem.ts';

/**
 * The registry of every error the gateway answers with: each code bound once to its HTTP status and
 * its problem `type` slug (documented in docs/problems.md). Call sites name the code only, so a code
 * can never be sent with two statuses.
 */
export const GATEWAY_ERRORS = {
  ROUTE_NOT_FOUND: { status: 404, slug: 'not-found' },
  METHOD_NOT_ALLOWED: { status: 405, slug: 'method-not-allowed' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, slug: 'unsupported-media-type' },
  NOT_ACCEPTABLE: { status: 406, slug: 'not-acceptable' },
  PAYLOAD_TOO_LARGE: { status: 413, slug: 'payload-too-large' },
  // The request head is over the listener's maxHeaderSize (a long query string): Node's parser refuses it.
  HEADERS_TOO_LARGE: { status: 431, slug: 'request-header-fields-too-large' },
  VALIDATION_FAILED: { status: 400, slug: 'validation-error' },
  MALFORMED_REQUEST: { status: 400, slug: 'malformed-request' },
  VERSION_GONE: { status: 410, slug: 'version-gone' },
  UNAUTHENTICATED: { status: 401, slug: 'unauthenticated' },
  INVALID_TOKEN: { status: 401, slug: 'invalid-token' },
  INVALID_API_KEY: { status: 401, slug: 'invalid-api-key' },
  INSUFFICIENT_SCOPE: { status: 403, slug: 'insufficient-scope' },
  FORBIDDEN: { status: 403, slug: 'forbidden' },
  RATE_LIMITED: { status: 429, slug: 'rate-limited' },
  IDEMPOTENCY_CONFLICT: { status: 409, slug: 'idempotency-conflict' },
  IDEMPOTENCY_MISMATCH: { status: 422, slug: 'idempotency-key-reused' },
  IDEMPOTENCY_KEY_INVALID: { status: 400, slug: 'idempotency-key-invalid' },
  AUTH_UNAVAILABLE: { status: 503, slug: 'auth-unavailable' },
  UPSTREAM_UNREACHABLE: { status: 502, slug: 'upstream-unreachable' },
  UPSTREAM_TIMEOUT: { status: 504, slug: 'upstream-timeout' },
  // The upstream answered with a server error (500, 501, 502, 505+); its body is logged, not sent.
  // Its 503 and 504 keep their status as DEPENDENCY_UNAVAILABLE and UPSTREAM_TIMEOUT (upstream-failure.ts).
  UPSTREAM_ERROR: { status: 502, slug: 'upstream-error' },
  // The gateway could not obtain its own credential for the upstream (upstreams.<name>.auth).
  UPSTREAM_AUTH_FAILED: { status: 502, slug: 'upstream-auth-failed' },
  UPSTREAM_CONTRACT_BROKEN: { status: 502, slug: 'upstream-contract-broken' },
  CIRCUIT_OPEN: { status: 503, slug: 'circuit-open' },
  DEPENDENCY_UNAVAILABLE: { status: 503, slug: 'dependency-unavailable' },
  // 499 is nginx's "client closed request": the client is gone, so it only reaches logs and metrics.
  CLIENT_CLOSED_REQUEST: { status: 499, slug: 'client-closed-request' },
  INTERNAL_ERROR: { status: 500, slug: 'internal-error' },
} as const satisfies Record<string, { status: number; slug: string }>;

export type GatewayErrorCode = keyof typeof GATEWAY_ERRORS;

export interface GatewayErrorOptions {
  cause?: unknown;
  /** Field-level errors for RFC 9457 `errors`. */
  errors?: FieldError[];
  /** Response headers the error must carry (Allow, Retry-After, WWW-Authenticate ...). */
  headers?: Record<string, string>;
  /** Extra RFC 9457 extension members. */
  extensions?: Record<string, unknown>;
  /** Overrides the default title of the code. */
  title?: string;
}

export class GatewayError extends Error {
  readonly code: GatewayErrorCode;
  readonly status: number;
  readonly errors: FieldError[] | undefined;
  readonly headers: Record<string, string>;
  readonly extensions: Record<string, unknown>;
  readonly title: string | undefined;

  constructor(code: GatewayErrorCode, detail: string, options: GatewayErrorOptions = {}) {
    super(detail, { cause: options.cause });
    this.name = this.constructor.name;
    this.code = code;
    this.status = GATEWAY_ERRORS[code].status;
    this.errors = options.errors;
    this.headers = options.headers ?? {};
    this.extensions = options.extensions ?? {};
    this.title = options.title;
  }
}
