/**
 * An operation's `security` as OpenAPI defines it: a list of alternatives (OR), each a set of
 * schemes that must all be satisfied (AND), each with its own scopes. Compiled once per route from
 * the contract's `components.securitySchemes`, so the request path only walks a short array.
 *
 * What each scheme type means here:
 * - `oauth2`, `openIdConnect`, `http` with scheme `bearer`: a bearer JWT, verified as configured,
 *   with the alternative's scopes;
 * - `apiKey` (header or cookie, by the contract's name): a partner API key (the query string is
 *   refused at start-up for now: see classify);
 * - anything else (`http basic`, `mutualTLS`, other http schemes): the gateway cannot verify it, so
 *   it stops start-up unless `security.auth.contractSchemes.<name>: not-accepted` says that the
 *   alternatives needing it are simply never satisfied by the gateway.
 */
import type { SecurityRequirement } from '@concord/contracts/src/document/openapi-document.ts';

export type ApiKeyLocation = { in: 'header' | 'query' | 'cookie'; name: string };

export type SchemeRequirement =
  | { scheme: string; kind: 'bearer'; scopes: readonly string[] }
  | { scheme: string; kind: 'apiKey'; scopes: readonly string[]; location: ApiKeyLocation }
  /** A scheme the gateway does not verify; an alternative holding one is never satisfied. */
  | { scheme: string; kind: 'not-accepted'; scopes: readonly string[]; type: string };

type WithoutScopes<T> = T extends unknown ? Omit<T, 'scopes'> : never;

export interface CompiledSecurity {
  /** In the contract's order; the first one satisfied wins. */
  alternatives: readonly (readonly SchemeRequirement[])[];
  acceptsBearer: boolean;
  /** Every place an API key may come from for this operation (deduplicated). */
  apiKeys: readonly ApiKeyLocation[];
}

export type SecuritySchemes = Record<string, Record<string, unknown>>;

export interface SchemeProblem {
  /** Path in the contract: ['components', 'securitySchemes', name] or the operation's security. */
  path: string[];
  message: string;
}

/** How a scheme is handled, or why it cannot be: one place that knows the scheme types. */
function classify(
  name: string,
  scheme: Record<string, unknown> | undefined,
  notAccepted: (scheme: string) => boolean,
): { requirement: WithoutScopes<SchemeRequirement> } | { problem: SchemeProblem } {
  if (!scheme)
    return { problem: { path: [], message: `names the security scheme "${name}", which components.securitySchemes does not define` } };
  const type = String(scheme['type']);
  const httpScheme = typeof scheme['scheme'] === 'string' ? scheme['scheme'].toLowerCase() : '';
  if (type === 'oauth2' || type === 'openIdConnect' || (type === 'http' && httpScheme === 'bearer'))
    return { requirement: { scheme: name, kind: 'bearer' } };
  if (type === 'apiKey') {
    const where = scheme['in'];
    const keyName = scheme['name'];
    if (where === 'query') {
      // The proxy forwards the query string as the client sent it, so a key there would reach the
      // upstream (and its access log). Refused until the proxy builds its query with upstreamQuery()
      // (forward-headers.ts), which drops it; then this check goes.
      return {
        problem: {
          path: ['components', 'securitySchemes', name],
          message: `apiKey scheme "${name}" reads the key from the query string, which the gateway cannot yet keep from the upstream; use a header or a cookie`,
        },
      };
    }
    if ((where === 'header' || where === 'cookie') && typeof keyName === 'string' && keyName) {
      return {
        requirement: { scheme: name, kind: 'apiKey', location: { in: where, name: where === 'header' ? keyName.toLowerCase() : keyName } },
      };
    }
    return {
      problem: {
        path: ['components', 'securitySchemes', name],
        message: `apiKey scheme "${name}" needs in (header or cookie) and name`,
      },
    };
  }
  const described = type === 'http' ? `http ${httpScheme || '(no scheme)'}` : type;
  if (notAccepted(name)) return { requirement: { scheme: name, kind: 'not-accepted', type: described } };
  return {
    problem: {
      path: ['components', 'securitySchemes', name],
      message:
        `security scheme "${name}" (${described}) cannot be verified by the gateway; ` +
        `set security.auth.contractSchemes.${name}: not-accepted in gateway.config.yaml to serve the operation's other alternatives only`,
    },
  };
}

/**
 * `notAccepted(name)` says whether the config allows a scheme the gateway cannot verify. At start-up
 * it is the config's answer and every problem stops the build; the request path compiles with
 * `() => true`, so whatever start-up let through can only ever make an alternative unsatisfiable.
 */
export function compileSecurity(
  security: readonly SecurityRequirement[] | undefined,
  schemes: SecuritySchemes | undefined,
  notAccepted: (scheme: string) => boolean,
): { security: CompiledSecurity; problems: SchemeProblem[] } {
  const problems: SchemeProblem[] = [];
  const alternatives: SchemeRequirement[][] = [];
  for (const requirement of security ?? []) {
    const alternative: SchemeRequirement[] = [];
    for (const [name, scopes] of Object.entries(requirement)) {
      const result = classify(name, schemes?.[name], notAccepted);
      if ('problem' in result) {
        problems.push(result.problem);
        // Never dropped: an alternative that needs a scheme nobody verifies is never satisfied.
        alternative.push({ scheme: name, kind: 'not-accepted', type: 'unverifiable', scopes: [] });
      } else alternative.push({ ...result.requirement, scopes: [...new Set(scopes ?? [])] } as SchemeRequirement);
    }
    alternatives.push(alternative);
  }
  const apiKeys = new Map<string, ApiKeyLocation>();
  for (const r of alternatives.flat()) if (r.kind === 'apiKey') apiKeys.set(`${r.location.in}:${r.location.name}`, r.location);
  const satisfiable = alternatives.filter((a) => a.length > 0 && a.every((r) => r.kind !== 'not-accepted'));
  if (alternatives.length > 0 && satisfiable.length === 0 && problems.length === 0) {
    problems.push({ path: [], message: 'has no security alternative the gateway can verify; no request could ever be let through' });
  }
  return {
    security: { alternatives, acceptsBearer: alternatives.some((a) => a.some((r) => r.kind === 'bearer')), apiKeys: [...apiKeys.values()] },
    problems,
  };
}

function describeRequirement(r: SchemeRequirement): string {
  const scopes = r.scopes.length ? ` with scope${r.scopes.length > 1 ? 's' : ''} ${r.scopes.join(' ')}` : '';
  if (r.kind === 'bearer') return `a bearer token${scopes}`;
  if (r.kind === 'apiKey') return `an API key in ${r.location.in} "${r.location.name}"${scopes}`;
  return `${r.type} (${r.scheme}), which the gateway does not accept`;
}

/** `a bearer token with scope pets:write, or an API key in header "api_key"`: what would have satisfied the operation. */
export function describeAlternatives(security: CompiledSecurity): string {
  return security.alternatives
    .filter((a) => a.every((r) => r.kind !== 'not-accepted'))
    .map((a) => a.map(describeRequirement).join(' and '))
    .join(', or ');
}

/** The same, for problem+json: `accepted: [[{ scheme, type, in?, name?, scopes }]]`. */
export function acceptedAlternatives(security: CompiledSecurity): Record<string, unknown>[][] {
  return security.alternatives
    .filter((a) => a.every((r) => r.kind !== 'not-accepted'))
    .map((a) =>
      a.map((r) =>
        r.kind === 'apiKey'
          ? { scheme: r.scheme, type: 'apiKey', in: r.location.in, name: r.location.name, scopes: r.scopes }
          : { scheme: r.scheme, type: 'bearer', scopes: r.scopes },
      ),
    );
}
