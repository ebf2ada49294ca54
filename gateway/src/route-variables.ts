import type { OperationEntry } from '@concord/contracts/src/document/openapi-document.ts';
import type { OperationValidator } from '@concord/contracts/src/server/request-validator.ts';

/** The policies in force for one operation: defaults, then the API's, then the operation's own. */
export interface ResolvedPolicies {
  validation: {
    request: 'off' | 'report' | 'enforce';
    response: 'off' | 'report' | 'enforce';
    /** Largest upstream JSON body the proxy buffers to validate or adapt (upstream/proxy.ts). */
    maxValidatedBytes: number;
  };
  /** Whole upstream call; undefined means the upstream's default. */
  timeoutMs: number | undefined;
  bodyLimitBytes: number;
  public: boolean;
}

/** Everything the pipeline knows about the operation a request matched, built once at start-up. */
export interface CompiledRoute {
  /** `customers.v2` */
  contract: string;
  /** `customers` */
  api: string;
  /** `v2` */
  version: string;
  operationId: string;
  method: string;
  /** The contract's path template, e.g. `/customers/{customerId}`. */
  pathTemplate: string;
  /** The public path template, e.g. `/v2/customers/{customerId}`. */
  publicPathTemplate: string;
  /** The API's public prefix, e.g. `/v2`; stripped before forwarding. */
  basePath: string;
  /** Version adapter name when this version is served by another version's system API. */
  adapter: string | undefined;
  policies: ResolvedPolicies;
  /** The upstream name in the config. */
  upstream: string;
  operation: OperationEntry;
  validator: OperationValidator;
  /** Scopes from the operation's `security` requirement; [] with `public: true`. */
  scopes: string[];
  public: boolean;
}

export interface RouteVariables {
  route: CompiledRoute;
  /** Path parameters of the matched route, decoded. */
  pathParams: Record<string, string>;
}
