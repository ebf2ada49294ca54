/**
 * The one typed Hono environment of the gateway: the intersection of the context variables each
 * pipeline step sets. Policies read them with `c.get('name')` (not `c.var`, which allocates).
 * Add a step's variables here as `& StepVariables`; do not extend hono's global ContextVariableMap.
 */
import { createFactory } from 'hono/factory';
import type { RequestContextVariables } from './observability/request-context-variables.ts';
import type { RouteVariables } from './route-variables.ts';
import type { PrincipalVariables } from './policies/principal-variables.ts';
import type { MessageVariables } from './message-variables.ts';
import type { ResponseHeaderVariables } from './response-headers.ts';

export type GatewayVariables = RequestContextVariables & RouteVariables & PrincipalVariables & MessageVariables & ResponseHeaderVariables;

export interface GatewayEnv {
  Variables: GatewayVariables;
}

/** Build one per gateway (buildGateway), never at module level. */
export function createGatewayFactory() {
  return createFactory<GatewayEnv>();
}
