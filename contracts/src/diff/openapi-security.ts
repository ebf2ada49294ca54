import type { SecurityRequirement } from '../document/openapi-document.ts';
import type { Report } from './change.ts';
import type { RuleId } from './rules.ts';

/**
 * OpenAPI security is an OR of requirements, each an AND of schemes with scopes; no requirement at
 * all means anonymous access, the same as one empty requirement. A client that satisfied a base
 * requirement keeps working if some head requirement asks no more of it; adding an alternative is
 * therefore not breaking, adding a scheme or scope to the only requirement is.
 */
function requirements(list: SecurityRequirement[] | undefined): SecurityRequirement[] {
  return list?.length ? list : [{}];
}

/** True when a client meeting `held` also meets `asked`. */
function covers(held: SecurityRequirement, asked: SecurityRequirement): boolean {
  return Object.entries(asked).every(([scheme, scopes]) => held[scheme] !== undefined && scopes.every((s) => held[scheme]?.includes(s)));
}

function closest(to: SecurityRequirement, candidates: SecurityRequirement[]): SecurityRequirement {
  const shared = (r: SecurityRequirement) => Object.keys(r).filter((s) => s in to).length * 2 - Object.keys(r).length;
  return candidates.reduce((best, r) => (shared(r) > shared(best) ? r : best), candidates[0] ?? {});
}

/** What `wanted` asks beyond `had`, reported with the rules given (added or removed). */
function reportExtra(
  wanted: SecurityRequirement,
  had: SecurityRequirement,
  rules: { scheme: RuleId; scope: RuleId },
  verb: string,
  report: Report,
): void {
  for (const [scheme, scopes] of Object.entries(wanted)) {
    const before = had[scheme];
    if (!before)
      report(
        rules.scheme,
        `security ${scheme}`,
        `${verb} security scheme ${scheme}${scopes.length ? ` with scopes ${scopes.join(', ')}` : ''}`,
      );
    else for (const scope of scopes) if (!before.includes(scope)) report(rules.scope, `security ${scheme}`, `${verb} scope ${scope}`);
  }
}

export function compareSecurity(base: SecurityRequirement[] | undefined, head: SecurityRequirement[] | undefined, report: Report): void {
  const [b, h] = [requirements(base), requirements(head)];
  for (const held of b) {
    if (h.some((asked) => covers(held, asked))) continue;
    reportExtra(closest(held, h), held, { scheme: 'security-scheme-added', scope: 'security-scope-added' }, 'requires', report);
  }
  for (const asked of h) {
    if (b.some((before) => covers(asked, before))) continue;
    reportExtra(
      closest(asked, b),
      asked,
      { scheme: 'security-scheme-removed', scope: 'security-scope-removed' },
      'no longer requires',
      report,
    );
  }
}
