import type { Partner } from '../partners/partner-registry.ts';
import type { CompiledSecurity } from './authorize/security-requirements.ts';

/** Who is calling, as established by the authenticate step. */
export interface Principal {
  /** The partner's client id (the token's `client_id`, `azp` or `sub`, per config). */
  clientId: string;
  /** Granted scopes from the token's `scope` (space-delimited) or `scp` (array) claim. */
  scopes: ReadonlySet<string>;
  /** The plan the caller is rate limited by: the partner's, or the configured plan for unknown clients. */
  plan?: string;
  /** The token's expiry, epoch seconds. */
  expiresAt?: number;
  /** The partner record, when the client id is a partner known to the gateway. */
  partner?: Partner;
}

/** The credentials a request presented, each verified by authenticate; authorize picks the alternative they satisfy. */
export interface PresentedCredentials {
  security: CompiledSecurity;
  bearer: Principal | undefined;
  /** By `in:name` of the key's location (`header:api_key`). */
  apiKeys: ReadonlyMap<string, Principal>;
}

export interface PrincipalVariables {
  /** Undefined on operations that are public on purpose. */
  principal: Principal | undefined;
  /** Undefined on operations that are public on purpose. */
  credentials: PresentedCredentials | undefined;
}
