/**
 * RateLimit and RateLimit-Policy per draft-ietf-httpapi-ratelimit-headers (-09/-10): structured-field
 * lists of items, each a policy name (sf-string) with parameters:
 *   RateLimit-Policy: "gold";q=100;w=60, "gold-quota";q=10000;w=86400
 *   RateLimit: "gold";r=42;t=30
 * `q` quota units, `w` window seconds, `r` remaining units, `t` seconds until the quota resets.
 */
export interface PolicyState {
  name: string;
  quota: number;
  windowSeconds: number;
  remaining: number;
  resetSeconds: number;
}

function sfString(value: string): string {
  return `"${value.replace(/[\\"]/g, (ch) => `\\${ch}`)}"`;
}

export function policyItem(name: string, quota: number, windowSeconds: number): string {
  return `${sfString(name)};q=${quota};w=${windowSeconds}`;
}

export function rateLimitHeaders(states: readonly PolicyState[]): Record<string, string> {
  return {
    'RateLimit-Policy': states.map((s) => policyItem(s.name, s.quota, s.windowSeconds)).join(', '),
    RateLimit: states.map((s) => `${sfString(s.name)};r=${Math.max(0, s.remaining)};t=${Math.max(0, s.resetSeconds)}`).join(', '),
  };
}
