import type { SecurityRequirement } from '@concord/contracts/src/document/openapi-document.ts';
import type { CompiledRoute } from '../../route-variables.ts';

/** An operation is secured when its effective requirement exists and is not the anonymous `{}`. */
export function hasSecurityRequirement(security: readonly SecurityRequirement[] | undefined): boolean {
  return !!security && security.length > 0 && security.every((requirement) => Object.keys(requirement).length > 0);
}

/** Scopes an operation needs: the union over its requirement objects (Concord's contracts use one). */
export function requiredScopes(security: readonly SecurityRequirement[] | undefined): string[] {
  return [...new Set((security ?? []).flatMap((requirement) => Object.values(requirement).flat()))];
}

export class UnsecuredOperationError extends Error {
  constructor(readonly operations: string[]) {
    super(
      `These operations have no security requirement in their contract and are not marked public on purpose: ${operations.join(', ')}. ` +
        'Add `security` to the operation in the contract, or mark it `public: true` in its policies in gateway.config.yaml.',
    );
    this.name = this.constructor.name;
  }
}

/**
 * Start-up check: refuse to serve an operation whose contract has no security requirement unless
 * the config marks it public on purpose (CompiledRoute.public, from the operation's policies).
 */
export function assertRoutesSecured(routes: Iterable<CompiledRoute>): void {
  const unsecured: string[] = [];
  for (const route of routes) {
    if (route.public) continue;
    if (!hasSecurityRequirement(route.operation.security)) unsecured.push(`${route.contract}#${route.operationId}`);
  }
  if (unsecured.length > 0) throw new UnsecuredOperationError(unsecured);
}
