/**
 * When and how long to wait before trying a request again: exponential backoff with full jitter
 * (AWS Architecture Blog, "Exponential Backoff and Jitter"), overridden by what the server says in
 * `Retry-After` or the `RateLimit` header (IETF httpapi ratelimit-headers draft).
 */

export interface RetryOptions {
  /** Retries after the first attempt (so `maxRetries: 3` is up to 4 attempts). Default 3; 0 disables retries. */
  maxRetries?: number;
  /** The backoff cap of the first retry, in ms; it doubles with every retry. Default 500. */
  baseDelayMs?: number;
  /** The largest backoff cap, in ms. Default 8000. */
  maxDelayMs?: number;
  /**
   * The longest server-requested wait (`Retry-After`, `RateLimit`) the SDK will sit out, in ms; a
   * longer one fails the call at once with the error, so the caller can decide. Default 60000.
   */
  maxServerDelayMs?: number;
}

export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 429, 502, 503, 504]);

export interface ResolvedRetryOptions {
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  maxServerDelayMs: number;
}

export function resolveRetryOptions(options: RetryOptions | undefined, base?: ResolvedRetryOptions): ResolvedRetryOptions {
  const resolved = {
    maxRetries: options?.maxRetries ?? base?.maxRetries ?? 3,
    baseDelayMs: options?.baseDelayMs ?? base?.baseDelayMs ?? 500,
    maxDelayMs: options?.maxDelayMs ?? base?.maxDelayMs ?? 8000,
    maxServerDelayMs: options?.maxServerDelayMs ?? base?.maxServerDelayMs ?? 60_000,
  };
  for (const [name, value] of Object.entries(resolved)) {
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`retry.${name} must be a non-negative number, not ${value}`);
  }
  return resolved;
}

/** Full jitter: a uniformly random wait in [0, min(maxDelay, base * 2^retry)). `retry` counts from 0. */
export function backoffDelay(retry: number, options: ResolvedRetryOptions, random: () => number): number {
  const cap = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** retry);
  return Math.floor(random() * cap);
}

/**
 * How long the server asked the client to wait, in ms, or undefined when it did not say:
 * `Retry-After` (delta-seconds or an HTTP-date) first, else a `RateLimit` policy with no quota
 * left (`"default";r=0;t=30`), else the older `RateLimit-Reset` draft field.
 */
export function serverRequestedDelay(headers: Headers, now: number): number | undefined {
  const retryAfter = headers.get('retry-after');
  if (retryAfter !== null) {
    const parsed = parseRetryAfter(retryAfter, now);
    if (parsed !== undefined) return parsed;
  }
  const rateLimit = headers.get('ratelimit');
  if (rateLimit !== null) {
    const exhausted = parseRateLimit(rateLimit).filter((p) => p.remaining === 0 && p.resetSeconds !== undefined);
    if (exhausted.length) return Math.max(...exhausted.map((p) => p.resetSeconds! * 1000));
    // Older drafts: `RateLimit: limit=100, remaining=0, reset=30`.
    const legacy = /(?:^|[,;\s])reset=(\d+)/.exec(rateLimit);
    if (legacy?.[1] && /(?:^|[,;\s])remaining=0\b/.test(rateLimit)) return Number(legacy[1]) * 1000;
  }
  const reset = headers.get('ratelimit-reset');
  if (reset !== null && /^\d+$/.test(reset.trim())) return Number(reset.trim()) * 1000;
  return undefined;
}

export function parseRetryAfter(value: string, now: number): number | undefined {
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export interface RateLimitPolicyState {
  policy: string;
  remaining: number | undefined;
  resetSeconds: number | undefined;
}

/**
 * The `RateLimit` field of the current draft: a structured-field list of policies, each a string or
 * token with parameters `r` (remaining quota units) and `t` (seconds until the quota resets):
 * `"default";r=0;t=30, "burst";r=5;t=1`.
 */
export function parseRateLimit(value: string): RateLimitPolicyState[] {
  const out: RateLimitPolicyState[] = [];
  for (const item of splitOutsideQuotes(value, ',')) {
    const [name, ...params] = splitOutsideQuotes(item, ';').map((s) => s.trim());
    if (!name) continue;
    const state: RateLimitPolicyState = { policy: name.replace(/^"(.*)"$/, '$1'), remaining: undefined, resetSeconds: undefined };
    for (const param of params) {
      const [key, raw] = param.split('=').map((s) => s.trim());
      const number = raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : undefined;
      if (key === 'r') state.remaining = number;
      else if (key === 't') state.resetSeconds = number;
    }
    out.push(state);
  }
  return out;
}

function splitOutsideQuotes(value: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of value) {
    if (ch === '"') quoted = !quoted;
    if (ch === separator && !quoted) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts;
}
