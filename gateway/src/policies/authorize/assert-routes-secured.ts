import { openApiContracts } from '@concord/contracts/generated/index.ts';
import type { SecurityRequirement } from '@concord/contracts/src/document/openapi-document.ts';
import type { CompiledRoute } from '../../route-variables.ts';
import { contractPosition, type ContractPosition } from './contract-position.ts';
import { compileSecurity, type SecuritySchemes } from './security-requirements.ts';

/** An operation is secured when its effective requirement exists and is not the anonymous `{}`. */
export function hasSecurityRequirement(security: readonly SecurityRequirement[] | undefined): boolean {
  return !!security && security.length > 0 && security.every((requirement) => Object.keys(requirement).length > 0);
}

/** Every scope any alternative of the requirement names (what a token may need to be issued with). */
export function requiredScopes(security: readonly SecurityRequirement[] | undefined): string[] {
  return [...new Set((security ?? []).flatMap((requirement) => Object.values(requirement).flat()))];
}

export class UnsecuredOperationError extends Error {
  /** `operations`: `contract#operationId` each; `places`: the same, each with its `file:line:col` in front. */
  constructor(
    readonly operations: string[],
    places: string[] = operations,
  ) {
    super(
      `These operations have no security requirement in their contract and are not marked public on purpose:\n${places.map((p) => `  ${p}`).join('\n')}\n` +
        'Add `security` to the operation in the contract, or mark it `public: true` in its policies in gateway.config.yaml ' +
        '(apis[].operations.<operationId>.policies.public).',
    );
    this.name = this.constructor.name;
  }
}

/** Security schemes the gateway cannot apply as the contract asks; one `file:line:col` line each. */
export class UnverifiableSecurityError extends Error {
  constructor(readonly problems: string[]) {
    super(`The contracts ask for security the gateway cannot verify:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = this.constructor.name;
  }
}

export interface AssertRoutesSecuredOptions {
  /** `security.auth.contractSchemes` of the config: schemes allowed to stay unverified (never satisfied). */
  contractSchemes?: Readonly<Record<string, 'not-accepted'>>;
  /** A contract's `components.securitySchemes`; by default the generated contract's. */
  securitySchemes?: (contract: string) => SecuritySchemes | undefined;
  locate?: ContractPosition;
}

/**
 * Start-up check: refuse to serve an operation whose contract has no security requirement unless
 * the config marks it public on purpose (CompiledRoute.public, from the operation's policies), and
 * an operation whose security the gateway cannot verify (http basic, mutualTLS, an undefined or
 * malformed scheme) unless the config says such a scheme is not accepted.
 */
export function assertRoutesSecured(routes: Iterable<CompiledRoute>, options: AssertRoutesSecuredOptions = {}): void {
  const unsecured: string[] = [];
  const unsecuredPlaces: string[] = [];
  // By problem: the line of the first operation met with it, and every operation that has it.
  const problems = new Map<string, { line: string; operations: string[] }>();
  const handled = options.contractSchemes ?? {};
  const schemesOf = options.securitySchemes ?? ((contract: string) => openApiContracts[contract]?.components?.securitySchemes);
  let locate = options.locate;
  for (const route of routes) {
    if (route.public) continue;
    if (!hasSecurityRequirement(route.operation.security)) {
      unsecured.push(`${route.contract}#${route.operationId}`);
      locate ??= contractPosition();
      unsecuredPlaces.push(
        `${locate(route.contract, ['paths', route.pathTemplate, route.operation.method])} ${route.contract}#${route.operationId}`,
      );
      continue;
    }
    const compiled = compileSecurity(route.operation.security, schemesOf(route.contract), (name) => handled[name] === 'not-accepted');
    for (const problem of compiled.problems) {
      const path = problem.path.length ? problem.path : ['paths', route.pathTemplate, route.operation.method, 'security'];
      locate ??= contractPosition();
      const line = `${locate(route.contract, path)} ${route.contract}#${route.operationId}: ${problem.message}`;
      // A scheme shared by many operations is reported once per contract, naming the operations
      // that use it: the fix may be the scheme, or those operations' `security`.
      const key = problem.path.length ? `${route.contract} ${problem.message}` : line;
      const entry = problems.get(key);
      if (entry) entry.operations.push(route.operationId);
      else problems.set(key, { line, operations: [route.operationId] });
    }
  }
  if (unsecured.length > 0) throw new UnsecuredOperationError(unsecured, unsecuredPlaces);
  if (problems.size > 0) throw new UnverifiableSecurityError([...problems.values()].map(withOtherOperations));
}

const NAMED = 5;

function withOtherOperations({ line, operations }: { line: string; operations: string[] }): string {
  const others = operations.slice(1);
  if (others.length === 0) return line;
  const named = others.slice(0, NAMED).join(', ');
  const rest = others.length > NAMED ? ` and ${others.length - NAMED} more` : '';
  return `${line} (also used by ${others.length} other operation${others.length === 1 ? '' : 's'}: ${named}${rest})`;
}
