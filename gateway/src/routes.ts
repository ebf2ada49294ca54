/**
 * The route table, built from the contracts once at start-up: one CompiledRoute per operation of
 * every configured API, its validator compiled, its policies resolved. Requests are matched by a
 * segment trie over the public path templates, by OpenAPI's rules (a literal segment beats a
 * template, templates may be part of a segment); a known path with another method is a 405 that
 * lists the contract's methods in Allow.
 */
import { openApiContracts } from '@concord/contracts/generated/index.ts';
import { listOperations, type OpenApiDocument, type OperationEntry } from '@concord/contracts/src/document/openapi-document.ts';
import { findAmbiguousOperations, parsePathTemplate, templateParamNames } from '@concord/contracts/src/lint/path-templates.ts';
import { createContractAjv } from '@concord/contracts/src/server/ajv.ts';
import { createOperationValidator, type ContractProblem } from '@concord/contracts/src/server/request-validator.ts';
import type { ApiConfig, GatewayConfig, PoliciesConfig } from './config/schema.ts';
import {
  createContractLocator,
  formatPosition,
  type ContractLocator,
  type SourcePosition,
} from './policies/route-match/contract-source.ts';
import { createPathTrie } from './policies/route-match/path-trie.ts';
import type { CompiledRoute, ResolvedPolicies } from './route-variables.ts';

/** Every method of one public path (of one shape: `/pets/{a}` and `/pets/{b}` are one path). */
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
  onUnusableResponseSchema: (entry: OperationEntry, problem: ContractProblem) => void,
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
      validator: createOperationValidator(entry, ajv, { onUnusableResponseSchema: (problem) => onUnusableResponseSchema(entry, problem) }),
      scopes: isPublic ? [] : [...new Set((entry.security ?? []).flatMap((req) => Object.values(req).flat()))],
      public: isPublic,
    } satisfies CompiledRoute;
  });
}

export interface RouteTableOptions {
  /** Where contract problems are reported; default: the source YAML under contracts/openapi. */
  locate?: ContractLocator;
  /** Once per contract and format the gateway cannot check (values of it are checked by type alone). */
  onUnknownFormat?: (contract: string, format: string) => void;
  /** Once per documented response schema that cannot be compiled, when a response first needs it (it is then not validated). */
  onUnusableResponseSchema?: (contract: string, at: SourcePosition, message: string) => void;
}

/** One problem per line, `file:line:col: what is wrong`, like a broken config. */
function refuse(problems: { at: SourcePosition; message: string }[]): never {
  const lines = problems.map((p) => `  ${formatPosition(p.at)}: ${p.message}`);
  throw new RouteConflictError(`The route table cannot be built from the contracts:\n${lines.join('\n')}`);
}

function decodeAll(names: readonly string[], captures: readonly string[]): Record<string, string> {
  const params: Record<string, string> = {};
  for (let i = 0; i < names.length; i++) params[names[i]!] = decode(captures[i] ?? '');
  return params;
}

/**
 * `contracts` defaults to every generated contract; tests pass their own to try edge cases. Paths are
 * matched by OpenAPI's rules (path-trie.ts); operations a router cannot tell apart, and contract
 * content the gateway cannot apply, stop the build with the place in the contract of each.
 */
export function buildRouteTable(
  config: GatewayConfig,
  contracts: Record<string, OpenApiDocument> = openApiContracts,
  options: RouteTableOptions = {},
): RouteTable {
  // One Ajv per contract, so a format it cannot check is reported with the contract that uses it
  // (response schemas compile on first use, long after this returns).
  const ajvs = new Map<string, ReturnType<typeof createContractAjv>>();
  const ajvFor = (contract: string) => {
    let ajv = ajvs.get(contract);
    if (!ajv) ajvs.set(contract, (ajv = createContractAjv({ onUnknownFormat: (format) => options.onUnknownFormat?.(contract, format) })));
    return ajv;
  };
  const locate = options.locate ?? createContractLocator();
  /** Where a key under an operation was written. */
  const at = (contract: string, entry: OperationEntry, ...rest: string[]) => locate(contract, ['paths', entry.path, entry.method, ...rest]);
  const routes = config.apis.flatMap((api) =>
    compileApi(api, config, ajvFor(api.contract), contracts, (entry, problem) =>
      options.onUnusableResponseSchema?.(
        api.contract,
        at(api.contract, entry, ...problem.path),
        `${entry.operationId}: ${problem.message}`,
      ),
    ),
  );
  const where = (route: CompiledRoute, ...rest: string[]) => at(route.contract, route.operation, ...rest);

  const problems: { at: SourcePosition; message: string }[] = [];
  for (const route of routes) {
    for (const p of route.validator.problems) problems.push({ at: where(route, ...p.path), message: `${route.operationId}: ${p.message}` });
  }
  for (const [first, second] of findAmbiguousOperations(routes.map((r) => ({ method: r.method, path: r.publicPathTemplate, item: r })))) {
    const a = first.item;
    const b = second.item;
    const same = a.contract === b.contract;
    const message = `${b.method} ${b.publicPathTemplate} (${b.contract} ${b.operationId}) cannot be told apart from ${a.method} ${a.publicPathTemplate} (${a.contract} ${a.operationId}) at ${formatPosition(where(a))}; ${same ? 'paths that differ only in parameter names are one path (OpenAPI Path Templating Matching): merge them' : 'give one of the APIs another basePath'}`;
    problems.push({ at: where(b), message });
  }
  if (problems.length > 0) refuse(problems);

  const trie = createPathTrie<{ byMethod: Map<string, CompiledRoute>; allow: string }>();
  const names = new Map<CompiledRoute, string[]>();
  for (const route of routes) {
    const entry = trie.upsert(route.publicPathTemplate, () => ({ byMethod: new Map(), allow: '' }));
    entry.byMethod.set(route.method, route);
    entry.allow = [...entry.byMethod.keys()].sort().join(', ');
    names.set(route, templateParamNames(parsePathTemplate(route.publicPathTemplate)));
  }

  return {
    routes,
    match(method, path) {
      const found = trie.match(path);
      if (!found) return { kind: 'not-found' };
      const entry = found.value;
      const route = entry.byMethod.get(method) ?? (method === 'HEAD' ? entry.byMethod.get('GET') : undefined);
      if (!route) return { kind: 'method-not-allowed', path: entry };
      // Templates of one shape share the entry; each route names the values its own way.
      return { kind: 'found', route, params: decodeAll(names.get(route)!, found.captures), path: entry };
    },
  };
}
