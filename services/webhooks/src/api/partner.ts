import { createMiddleware } from 'hono/factory';
import { ProblemError } from '@concord/contracts/src/problem.ts';

/** The gateway forwards the authenticated partner's client id in this header (and strips it from clients). */
export const PARTNER_HEADER = 'x-concord-partner';

export interface PartnerVariables {
  partner: string;
}

/**
 * Every subscription belongs to a partner. Without the header the request did not come through
 * the gateway's authentication, so there is no one to scope it to: 401, never a guess.
 */
export const requirePartner = createMiddleware<{ Variables: PartnerVariables }>(async function requirePartner(c, next) {
  const partner = c.req.header(PARTNER_HEADER)?.trim();
  if (!partner || partner.length > 200) {
    throw new ProblemError(
      'unauthenticated',
      `The request carries no partner identity (${PARTNER_HEADER}); call the API through the gateway with a bearer token.`,
    );
  }
  c.set('partner', partner);
  await next();
});
