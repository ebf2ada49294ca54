/**
 * The problem catalogue: every problem any Concord component may answer with, once. The gateway,
 * the system APIs, the contracts' error examples, the partner SDK's codes, docs/problems.md and the
 * portal's /problems pages all take `type`, `title`, `status` and `code` from here, so a problem
 * cannot be sent, documented or declared two ways. A problem is built from its slug
 * (`ProblemSlug`) or its code (`ProblemCode`): anything else does not compile.
 */

/**
 * Type URIs are absolute and stable (clients branch on them), so they are not tied to the host a
 * deployment runs on. Every gateway also serves the page behind each one at `/problems/<slug>`.
 */
export const PROBLEM_BASE_URI = 'https://concord.dev/problems/';

/** What the catalogue says of one problem type. */
export interface ProblemEntry {
  /** The HTTP status it is always sent with. */
  status: number;
  /** Short, the same for every occurrence (RFC 9457 section 3.1.3). */
  title: string;
  /** UPPER_SNAKE, unique: the problem's `code` member and the partner SDK's `err.code`. */
  code: string;
  /** When it is sent, for the partner reading the page. */
  meaning: string;
  /** What the client should do about it. */
  action: string;
  /** Who sends it: the gateway itself, a system API, or both. */
  sentBy: 'gateway' | 'service' | 'both';
}

export const PROBLEM_CATALOGUE = {
  'validation-error': {
    status: 400,
    title: 'Invalid request',
    code: 'VALIDATION_FAILED',
    meaning:
      'The request breaks the contract: one `errors` entry `{ pointer, message }` per bad field, the pointers rooted at `/body`, `/query`, `/path` or `/headers`.',
    action: 'Fix the fields the `errors` entries point at and send the request again; it will fail the same way until then.',
    sentBy: 'both',
  },
  'malformed-request': {
    status: 400,
    title: 'Malformed request',
    code: 'MALFORMED_REQUEST',
    meaning: 'The request breaks HTTP itself (for example two `Host` headers, or a request line the parser refuses).',
    action: 'Fix the HTTP client or the proxy in front of it; the request cannot be served as sent.',
    sentBy: 'gateway',
  },
  'idempotency-key-invalid': {
    status: 400,
    title: 'Invalid Idempotency-Key',
    code: 'IDEMPOTENCY_KEY_INVALID',
    meaning: 'The `Idempotency-Key` header is not 1 to 255 printable ASCII characters without spaces.',
    action: 'Send a fresh key per operation, for example a UUID, and reuse it only to retry that same request.',
    sentBy: 'gateway',
  },
  unauthenticated: {
    status: 401,
    title: 'Authentication required',
    code: 'UNAUTHENTICATED',
    meaning:
      'No credential the operation accepts (a bearer token, an API key, as its contract says); `accepted` lists the alternatives that would satisfy it.',
    action: 'Send one of the credentials `accepted` lists; a bearer token comes from the token endpoint with your client credentials.',
    sentBy: 'both',
  },
  'invalid-api-key': {
    status: 401,
    title: 'Invalid API key',
    code: 'INVALID_API_KEY',
    meaning: 'The API key is not valid: the same answer whether it never existed, was revoked or its partner is disabled.',
    action: 'Check the key you were given; if it was rotated, use the new one, or ask your Concord contact for one.',
    sentBy: 'gateway',
  },
  'invalid-token': {
    status: 401,
    title: 'Invalid access token',
    code: 'INVALID_TOKEN',
    meaning: 'The token is expired, not yet valid, for another issuer or audience, or its signature fails.',
    action: 'Get a new token from the token endpoint and retry; do not retry with the same token.',
    sentBy: 'gateway',
  },
  'insufficient-scope': {
    status: 403,
    title: 'Insufficient scope',
    code: 'INSUFFICIENT_SCOPE',
    meaning:
      'The credential lacks a scope the operation requires (or the partner may not hold it); `required_scopes`, `missing_scopes` and `accepted` say what would satisfy it.',
    action: 'Ask for a token with the `missing_scopes`; if your partner account may not hold them, ask your Concord contact.',
    sentBy: 'gateway',
  },
  forbidden: {
    status: 403,
    title: 'Forbidden',
    code: 'FORBIDDEN',
    meaning: 'The partner may not use this API, or the caller may not act for the resource it named.',
    action: 'Do not retry; ask your Concord contact for access to the API.',
    sentBy: 'both',
  },
  'not-found': {
    status: 404,
    title: 'Not found',
    code: 'NOT_FOUND',
    meaning: 'No API operation at this path, or no resource with this identifier (or not one of yours).',
    action: 'Check the path against the API reference and the identifier you sent; it will not appear by retrying.',
    sentBy: 'both',
  },
  'method-not-allowed': {
    status: 405,
    title: 'Method not allowed',
    code: 'METHOD_NOT_ALLOWED',
    meaning: 'The path exists, with other methods; the `Allow` header lists them.',
    action: 'Use one of the methods in `Allow`.',
    sentBy: 'gateway',
  },
  'not-acceptable': {
    status: 406,
    title: 'Not acceptable',
    code: 'NOT_ACCEPTABLE',
    meaning: 'The `Accept` header excludes every media type the operation answers with.',
    action: 'Accept `application/json` (and `application/problem+json` for errors).',
    sentBy: 'gateway',
  },
  conflict: {
    status: 409,
    title: 'Conflict',
    code: 'CONFLICT',
    meaning: "The resource's state forbids the change (for example an identifier that is already taken).",
    action: 'Read the resource again and decide from its current state; retrying the same request will fail the same way.',
    sentBy: 'service',
  },
  'email-already-exists': {
    status: 409,
    title: 'Email already exists',
    code: 'EMAIL_ALREADY_EXISTS',
    meaning: 'Another customer already has this email address; `existing_customer_id` names it when it is yours.',
    action: 'Use the existing customer, or send another email address.',
    sentBy: 'service',
  },
  'invalid-order-status': {
    status: 409,
    title: 'Order cannot be cancelled',
    code: 'INVALID_ORDER_STATUS',
    meaning: 'The order is not in a state that allows the change: only confirmed orders can be cancelled.',
    action: 'Read the order to see its status; a rejected or cancelled order needs no cancellation.',
    sentBy: 'service',
  },
  'insufficient-stock': {
    status: 409,
    title: 'Insufficient stock',
    code: 'INSUFFICIENT_STOCK',
    meaning: 'There is not enough stock for one or more lines; `errors` points at each line, and the order was rejected.',
    action: 'Order fewer units, or later: stock changes as other orders are placed and cancelled.',
    sentBy: 'service',
  },
  'idempotency-conflict': {
    status: 409,
    title: 'Idempotency-Key in use',
    code: 'IDEMPOTENCY_CONFLICT',
    meaning: 'A request with the same `Idempotency-Key` is still being processed.',
    action: 'Retry after `Retry-After` with the same key and body: you will get the first request’s answer.',
    sentBy: 'both',
  },
  'version-gone': {
    status: 410,
    title: 'API version gone',
    code: 'VERSION_GONE',
    meaning: 'The API version is past its sunset date; `successor` names the version to move to.',
    action: 'Move to the version `successor` names (the portal’s changelog lists what changed).',
    sentBy: 'gateway',
  },
  'payload-too-large': {
    status: 413,
    title: 'Payload too large',
    code: 'PAYLOAD_TOO_LARGE',
    meaning: 'The body is larger than the operation accepts.',
    action: 'Send a smaller body (fewer items per request).',
    sentBy: 'both',
  },
  'unsupported-media-type': {
    status: 415,
    title: 'Unsupported media type',
    code: 'UNSUPPORTED_MEDIA_TYPE',
    meaning: 'The `Content-Type` is not one the operation takes.',
    action: 'Send the body with a media type the API reference lists for the operation (usually `application/json`).',
    sentBy: 'both',
  },
  'idempotency-key-reused': {
    status: 422,
    title: 'Idempotency-Key reused',
    code: 'IDEMPOTENCY_MISMATCH',
    meaning: 'The `Idempotency-Key` was already used with another request body.',
    action: 'Use a new key for a new request; reuse a key only to retry exactly the same request.',
    sentBy: 'both',
  },
  'unknown-sku': {
    status: 422,
    title: 'Unknown SKU',
    code: 'UNKNOWN_SKU',
    meaning: 'A line names a SKU that does not exist; `errors` points at it.',
    action: 'Check the SKU against the inventory API (`GET /v1/inventory/items`).',
    sentBy: 'service',
  },
  'unknown-customer': {
    status: 422,
    title: 'Unknown customer',
    code: 'UNKNOWN_CUSTOMER',
    meaning: 'The order names a customer that does not exist (or is not yours).',
    action: 'Create the customer first, or send the identifier the customers API gave you.',
    sentBy: 'service',
  },
  'invalid-subscription': {
    status: 422,
    title: 'Invalid webhook subscription',
    code: 'INVALID_SUBSCRIPTION',
    meaning:
      'The webhook subscription is well-formed but not acceptable (an endpoint URL that is not allowed, an event type that does not exist); `errors` says which field.',
    action: 'Fix the fields the `errors` entries point at; the event types are listed by `GET /v1/webhooks/event-types`.',
    sentBy: 'service',
  },
  'rate-limited': {
    status: 429,
    title: 'Too many requests',
    code: 'RATE_LIMITED',
    meaning: 'The plan’s limit is used up for now; see `Retry-After` and the `RateLimit` headers.',
    action: 'Wait `Retry-After` seconds; spread requests out, or ask for a larger plan.',
    sentBy: 'gateway',
  },
  'request-header-fields-too-large': {
    status: 431,
    title: 'Request header fields too large',
    code: 'HEADERS_TOO_LARGE',
    meaning:
      'The request line and headers are over the listener’s limit (16 KiB; a long query string is enough); the connection is closed.',
    action: 'Send fewer or shorter headers, or a shorter query string (page with `cursor` rather than listing identifiers).',
    sentBy: 'gateway',
  },
  'client-closed-request': {
    status: 499,
    title: 'Client closed request',
    code: 'CLIENT_CLOSED_REQUEST',
    meaning: 'The client went away before the answer was ready. No client receives it: it is what logs and metrics record.',
    action: 'Nothing to do as a client; if it happens often, raise your client’s timeout.',
    sentBy: 'gateway',
  },
  'internal-error': {
    status: 500,
    title: 'Internal error',
    code: 'INTERNAL_ERROR',
    meaning: 'The gateway or a system API failed in a way it did not expect; the log line with the same `request_id` says why.',
    action: 'Retry later; if it persists, quote the `request_id` to support.',
    sentBy: 'both',
  },
  'upstream-unreachable': {
    status: 502,
    title: 'Upstream unreachable',
    code: 'UPSTREAM_UNREACHABLE',
    meaning: 'The system API could not be reached.',
    action: 'Retry later with backoff; a request with an `Idempotency-Key` is safe to retry.',
    sentBy: 'gateway',
  },
  'upstream-error': {
    status: 502,
    title: 'Upstream error',
    code: 'UPSTREAM_ERROR',
    meaning:
      'The system API failed (it answered 500, 501, 502 or 505+; `upstream_status` says which); its answer is logged under the `request_id`, never sent.',
    action: 'Retry later; if it persists, quote the `request_id` to support.',
    sentBy: 'gateway',
  },
  'upstream-auth-failed': {
    status: 502,
    title: 'Upstream authentication failed',
    code: 'UPSTREAM_AUTH_FAILED',
    meaning:
      'The gateway could not obtain its own credential for the system API (its OAuth token endpoint refused, failed or did not answer); the request was not sent.',
    action: 'Retry later; the request was not sent, so retrying is safe.',
    sentBy: 'gateway',
  },
  'upstream-contract-broken': {
    status: 502,
    title: 'Upstream broke its contract',
    code: 'UPSTREAM_CONTRACT_BROKEN',
    meaning:
      'The system API answered outside its contract (response validation `enforce`), or with more than the gateway checks (`limit_bytes`); the answer was withheld.',
    action: 'Quote the `request_id` to support; the operation may have taken effect, so read before you retry a change.',
    sentBy: 'gateway',
  },
  'circuit-open': {
    status: 503,
    title: 'Circuit open',
    code: 'CIRCUIT_OPEN',
    meaning: 'The system API is failing; the gateway is not calling it until `Retry-After`.',
    action: 'Wait `Retry-After` seconds before retrying.',
    sentBy: 'gateway',
  },
  'auth-unavailable': {
    status: 503,
    title: 'Authentication unavailable',
    code: 'AUTH_UNAVAILABLE',
    meaning: 'The identity provider’s keys could not be obtained, so no token can be verified.',
    action: 'Retry later with backoff.',
    sentBy: 'gateway',
  },
  'dependency-unavailable': {
    status: 503,
    title: 'Dependency unavailable',
    code: 'DEPENDENCY_UNAVAILABLE',
    meaning:
      'A store the gateway needs (Redis) is down and the policy is to fail closed, or the system API’s own database or event bus is away (`upstream_status`: 503).',
    action: 'Wait `Retry-After` seconds and retry; nothing was changed.',
    sentBy: 'both',
  },
  'upstream-timeout': {
    status: 504,
    title: 'Upstream timeout',
    code: 'UPSTREAM_TIMEOUT',
    meaning: 'The system API did not answer in time, or answered 504 itself (`upstream_status`).',
    action: 'Retry later; a change may have taken effect, so retry with the same `Idempotency-Key` or read first.',
    sentBy: 'gateway',
  },
} as const satisfies Record<string, ProblemEntry>;

export type ProblemSlug = keyof typeof PROBLEM_CATALOGUE;
export type ProblemCode = (typeof PROBLEM_CATALOGUE)[ProblemSlug]['code'];

const SLUG_BY_CODE = new Map<string, ProblemSlug>(
  (Object.keys(PROBLEM_CATALOGUE) as ProblemSlug[]).map((slug) => [PROBLEM_CATALOGUE[slug].code, slug]),
);

/** Every slug, in catalogue order (the order of docs/problems.md and the portal's list). */
export const PROBLEM_SLUGS = Object.keys(PROBLEM_CATALOGUE) as ProblemSlug[];

export function problemTypeUri(slug: ProblemSlug): string {
  return PROBLEM_BASE_URI + slug;
}

export function slugOfCode(code: ProblemCode): ProblemSlug {
  return SLUG_BY_CODE.get(code)!;
}

/** The slug a type URI names, if it is one of the catalogue's. */
export function slugOfType(type: string): ProblemSlug | undefined {
  if (!type.startsWith(PROBLEM_BASE_URI)) return undefined;
  const slug = type.slice(PROBLEM_BASE_URI.length);
  return Object.hasOwn(PROBLEM_CATALOGUE, slug) ? (slug as ProblemSlug) : undefined;
}
