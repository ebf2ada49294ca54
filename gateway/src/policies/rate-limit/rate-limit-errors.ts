import { GatewayError } from '../../errors.ts';

/** The plan's budget is used up; carries Retry-After and the RateLimit headers. */
export class RateLimitedError extends GatewayError {
  static readonly code = 'RATE_LIMITED' as const;
  constructor(policy: string, retryAfterSeconds: number, headers: Record<string, string>) {
    super('RATE_LIMITED', `Rate limit "${policy}" is used up; retry in ${retryAfterSeconds} s.`, {
      headers: { ...headers, 'Retry-After': String(retryAfterSeconds) },
      extensions: { policy, retry_after: retryAfterSeconds },
    });
  }
}

/** The shared rate-limit store is down and the configured behaviour is to fail closed. */
export class RateLimitStoreUnavailableError extends GatewayError {
  static readonly code = 'DEPENDENCY_UNAVAILABLE' as const;
  constructor(cause: unknown) {
    super('DEPENDENCY_UNAVAILABLE', 'The rate-limit store is unavailable and this gateway is configured to fail closed; retry shortly.', {
      cause,
      headers: { 'Retry-After': '1' },
    });
  }
}
