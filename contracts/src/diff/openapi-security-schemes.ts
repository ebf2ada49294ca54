import type { Report } from './change.ts';

type Json = Record<string, unknown>;
const record = (value: unknown): Json => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {});

/** What a client must do to authenticate with a scheme; descriptions and scopes' texts are not part of it. */
const SCHEME_FIELDS = ['type', 'scheme', 'bearerFormat', 'in', 'name', 'openIdConnectUrl'] as const;
const FLOW_FIELDS = ['tokenUrl', 'authorizationUrl'] as const;

const lower = (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : v);

/**
 * For every scheme the operation's base requirement names and both documents define: what changed
 * in how a client authenticates. HTTP scheme names are case-insensitive (RFC 7235). A refreshUrl or
 * a new flow is not reported: existing clients keep working.
 */
export function compareSecuritySchemes(used: Iterable<string>, base: unknown, head: unknown, report: Report): void {
  const [b, h] = [
    record(record(record(base)['components'])['securitySchemes']),
    record(record(record(head)['components'])['securitySchemes']),
  ];
  for (const name of used) {
    const [before, after] = [record(b[name]), record(h[name])];
    if (!b[name] || !h[name]) continue;
    const where = `security ${name}`;
    for (const field of SCHEME_FIELDS) {
      const same = field === 'scheme' ? lower(before[field]) === lower(after[field]) : before[field] === after[field];
      if (!same)
        report(
          'security-scheme-changed',
          where,
          `${field} of security scheme ${name} changed from ${JSON.stringify(before[field]) ?? 'none'} to ${JSON.stringify(after[field]) ?? 'none'}`,
        );
    }
    const [bFlows, hFlows] = [record(before['flows']), record(after['flows'])];
    for (const [flow, value] of Object.entries(bFlows)) {
      if (!(flow in hFlows)) {
        report('security-scheme-changed', where, `OAuth flow ${flow} of security scheme ${name} was removed`);
        continue;
      }
      for (const field of FLOW_FIELDS) {
        const [was, now] = [record(value)[field], record(hFlows[flow])[field]];
        if (was !== now)
          report(
            'security-scheme-changed',
            where,
            `${field} of OAuth flow ${flow} of ${name} changed from ${JSON.stringify(was) ?? 'none'} to ${JSON.stringify(now) ?? 'none'}`,
          );
      }
    }
  }
}
