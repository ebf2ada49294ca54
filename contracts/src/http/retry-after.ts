/**
 * Retry-After (RFC 9110 section 10.2.3) in milliseconds from `now`: delay-seconds or an HTTP-date.
 * Undefined when absent or unparseable; never negative. Shared by the gateway's upstream retries
 * and the webhook dispatcher. (The partner SDK keeps its own copy: it ships with no dependencies.)
 */
export function parseRetryAfter(value: string | readonly string[] | null | undefined, now: number): number | undefined {
  const raw = Array.isArray(value) ? value[0] : (value as string | null | undefined);
  if (!raw) return undefined;
  const text = raw.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
