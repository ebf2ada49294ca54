import type { SecurityRequirement } from '../document/openapi-document.ts';
import type { Report } from './change.ts';

/**
 * Requirements are folded into scheme -> scopes: the precise OR-of-ANDs of OpenAPI security is
 * rarely used, and a scheme or scope that appears anywhere new is what a client must go and get.
 * An empty requirement (`{}`) means anonymous access, which is represented by no schemes at all.
 */
function schemes(requirements: SecurityRequirement[] | undefined): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const requirement of requirements ?? []) {
    for (const [scheme, scopes] of Object.entries(requirement)) {
      const set = out.get(scheme) ?? new Set<string>();
      for (const scope of scopes) set.add(scope);
      out.set(scheme, set);
    }
  }
  return out;
}

export function compareSecurity(base: SecurityRequirement[] | undefined, head: SecurityRequirement[] | undefined, report: Report): void {
  const [b, h] = [schemes(base), schemes(head)];
  for (const [scheme, scopes] of h) {
    const before = b.get(scheme);
    if (!before) {
      report('security-scheme-added', `security ${scheme}`, `requires security scheme ${scheme}${scopes.size ? ` with scopes ${[...scopes].join(', ')}` : ''}`);
      continue;
    }
    for (const scope of scopes) if (!before.has(scope)) report('security-scope-added', `security ${scheme}`, `requires scope ${scope}`);
    for (const scope of before) if (!scopes.has(scope)) report('security-scope-removed', `security ${scheme}`, `no longer requires scope ${scope}`);
  }
  for (const scheme of b.keys()) if (!h.has(scheme)) report('security-scheme-removed', `security ${scheme}`, `no longer requires security scheme ${scheme}`);
}
