/**
 * The route table, built from the contracts once at start-up: one CompiledRoute per operation of
 * every configured API, its validator compiled, its policies resolved. Requests are matched by a
 * prebuilt RegExpRouter over public path templates; a known path with another method is a 405 that
 * lists the contract's methods in Allow.
 */
import { openApiContracts } from '@concord/contracts/generated/index.ts';
import { listOperations, toRouterPath, type OpenApiDocument } from '@concord/contracts/src/document/openapi-document.ts';
import { createContractAjv } from '@concord/contracts/src/server/ajv.ts';
import { createOperationValidator } from '@concord/contracts/src/server/request-validator.ts';
import { RegExpRouter } from 'hono/router/reg-exp-router';
import type { ApiConfig, GatewayConfig, PoliciesConfig } from './config/schema.ts';
import type { CompiledRoute, ResolvedPolicies } from './route-variables.ts';

/** Every method of one public path. */
export interface PathRoutes {
  byMethod: ReadonlyMap<string, CompiledRoute>;
  /** `GET, PATCH`: the Allow header of a 405. */
  allow: string;
}

export type RouteMatch =
  | { kind: 'found'; route: CompiledRoute; params: Record<string, string>; path: PathRoutes }
  | { kind: 'method-not-allowed'; path: PathRoutes }
  | { kind: 'not-found' };

export interface RouteTable {
  routes: readonly CompiledRoute[];
  match(method: string, path: string): RouteMatch;
}

export class RouteConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = this.constructor.name;
  }
}

const BUILT_IN_POLICIES: ResolvedPolicies = {
  validation: { request: 'enforce', response: 'report', maxValidatedBytes: 1024 * 1024 },
  timeoutMs: undefined,
  bodyLimitBytes: 1024 * 1024,
  public: false,
};

export function resolvePolicies(...layers: (PoliciesConfig | undefined)[]): ResolvedPolicies {
  const out: ResolvedPolicies = { ...BUILT_IN_POLICIES, validation: { ...BUILT_IN_POLICIES.validation } };
  for (const layer of layers) {
    if (!layer) continue;
    if (layer.validation?.request) out.validation.request = layer.validation.request;
    if (layer.validation?.response) out.validation.response = layer.validation.response;
    if (layer.validation?.maxValidatedBytes !== undefined) out.validation.maxValidatedBytes = layer.validation.maxValidatedBytes;
    if (layer.timeoutMs !== undefined) out.timeoutMs = layer.timeoutMs;
    if (layer.bodyLimitBytes !== undefined) out.bodyLimitBytes = layer.bodyLimitBytes;
    if (layer.public !== undefined) out.public = layer.public;
  }
  return out;
}

function decode(value: string): string {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function compileApi(
  api: ApiConfig,
  config: GatewayConfig,
  ajv: ReturnType<typeof createContractAjv>,
  contracts: Record<string, OpenApiDocument>,
): CompiledRoute[] {
  const document = contracts[api.contract];
  if (!document) throw new RouteConflictError(`Unknown contract ${api.contract}`);
  const [name = api.contract, version = ''] = api.contract.split('.');
  return listOperations(document).map((entry) => {
    const policies = resolvePolicies(config.defaults.policies, api.policies, api.operations[entry.operationId]?.policies);
    // Only the config makes an operation public, on purpose: a contract that lacks (or empties) its
    // security requirement is refused at start-up (assert-routes-secured.ts), not quietly opened.
    const isPublic = policies.public === true;
    return {
      contract: api.contract,
      api: name,
      version,
      operationId: entry.operationId,
      method: entry.method.toUpperCase(),
      pathTemplate: entry.path,
      publicPathTemplate: api.basePath + entry.path,
      basePath: api.basePath,
      adapter: api.adapter,
      policies: { ...policies, public: isPublic },
      upstream: api.upstream,
      operation: entry,
      validator: createOperationValidator(entry, ajv),
      scopes: isPublic ? [] : [...new Set((entry.security ?? []).flatMap((req) => Object.values(req).flat()))],
      public: isPublic,
    } satisfies CompiledRoute;
  });
}

/** `contracts` defaults to every generated contract; tests pass their own to try edge cases. */
export function buildRouteTable(config: GatewayConfig, contracts: Record<string, OpenApiDocument> = openApiContracts): RouteTable {
  const ajv = createContractAjv();
  const routes = config.apis.flatMap((api) => compileApi(api, config, ajv, contracts));

  const byPath = new Map<string, Map<string, CompiledRoute>>();
  for (const route of routes) {
    const key = toRouterPath(route.publicPathTemplate);
    const methods = byPath.get(key) ?? new Map<string, CompiledRoute>();
    const existing = methods.get(route.method);
    if (existing) {
      throw new RouteConflictError(
        `${route.method} ${route.publicPathTemplate} is served by both ${existing.contract} (${existing.operationId}) and ${route.contract} (${route.operationId}); give one of them another basePath`,
      );
    }
    methods.set(route.method, route);
    byPath.set(key, methods);
  }

  const router = new RegExpRouter<PathRoutes>();
  for (const [path, methods] of byPath) {
    router.add('ALL', path, { byMethod: methods, allow: [...methods.keys()].sort().join(', ') });
  }

  return {
    routes,
    match(method, path) {
      const result = router.match(method, path);
      const first = result[0][0];
      if (!first) return { kind: 'not-found' };
      const [entry, paramMap] = first as [PathRoutes, Record<string, number>];
      const route = entry.byMethod.get(method) ?? (method === 'HEAD' ? entry.byMethod.get('GET') : undefined);
      if (!route) return { kind: 'method-not-allowed', path: entry };
      const params: Record<string, string> = {};
      const stash = result[1];
      if (stash) for (const name in paramMap) params[name] = decode(stash[paramMap[name]!] ?? '');
      return { kind: 'found', route, params, path: entry };
    },
  };
}
