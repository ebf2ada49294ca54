/** Who is calling, as established by the authenticate step. */
export interface Principal {
  /** The partner's client id (the token's `sub` or `client_id`). */
  clientId: string;
  /** Granted scopes from the token's `scope` claim. */
  scopes: ReadonlySet<string>;
  /** The partner's plan name, when the partner is known to the gateway. */
  plan?: string;
  /** The token's expiry, epoch seconds. */
  expiresAt?: number;
}

export interface PrincipalVariables {
  /** Undefined on operations that are public on purpose. */
  principal: Principal | undefined;
}
