import { INTERNAL_SCOPE, PARTNER_HEADER, SCOPES_HEADER } from './caller.ts';

/** A request init with the headers the gateway sets for `partner` (and, with `internal`, that scope). */
export function asPartner(partner: string | undefined, init: RequestInit = {}, options: { internal?: boolean } = {}): RequestInit {
  const headers = new Headers(init.headers);
  if (partner !== undefined) headers.set(PARTNER_HEADER, partner);
  if (options.internal) headers.set(SCOPES_HEADER, INTERNAL_SCOPE);
  return { ...init, headers };
}
