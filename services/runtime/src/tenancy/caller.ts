import type { Context, MiddlewareHandler } from 'hono';
import { ProblemError } from '@concord/contracts/src/problem.ts';

/**
 * Who is calling a system API. Only the gateway reaches the services, and it sets both headers
 * from the verified token (dropping any value a client sends): `x-concord-partner` is the
 * partner's client id, `x-concord-scopes` the token's scopes, space-separated.
 */
export const PARTNER_HEADER = 'x-concord-partner';
export const SCOPES_HEADER = 'x-concord-scopes';
/** The organisation's own back office: sees every partner's resources. Never granted by default. */
export const INTERNAL_SCOPE = 'internal';
/** Owner of every row that existed before resources had owners. */
export const LEGACY_PARTNER = 'demo-partner';

export interface Caller {
  /** The calling partner; undefined only for an internal caller that names none. */
  partner: string | undefined;
  /** True with the `internal` scope: reads and changes every partner's resources. */
  internal: boolean;
}

const MAX_PARTNER_LENGTH = 200;
const CALLER_KEY = 'concordCaller';

function unauthenticated(): ProblemError {
  return new ProblemError(
    'unauthenticated',
    `The request carries no partner identity (${PARTNER_HEADER}); call the API through the gateway with a bearer token.`,
  );
}

/** The caller the headers describe, or a 401 when they name no partner and no internal scope. */
export function readCaller(header: (name: string) => string | undefined): Caller {
  const partner = header(PARTNER_HEADER)?.trim() || undefined;
  const internal = (header(SCOPES_HEADER) ?? '').split(' ').includes(INTERNAL_SCOPE);
  if (partner !== undefined && partner.length > MAX_PARTNER_LENGTH) throw unauthenticated();
  if (partner === undefined && !internal) throw unauthenticated();
  return { partner, internal };
}

/** Refuses unidentified requests before validation, and keeps the caller for the handlers. */
export function requireCaller(): MiddlewareHandler {
  return async function requireCallerMiddleware(c, next) {
    c.set(CALLER_KEY as never, readCaller((name) => c.req.header(name)) as never);
    await next();
  };
}

/** The caller `requireCaller` found; a route it does not guard is a wiring bug. */
export function callerOf(c: Context): Caller {
  const caller = c.get(CALLER_KEY as never) as Caller | undefined;
  if (!caller) throw new Error('callerOf: the route is not guarded by requireCaller()');
  return caller;
}

/**
 * The partner whose rows a read or change may touch: the caller's own, or null (every partner's)
 * for an internal caller. SQL takes it as `($n::text IS NULL OR partner = $n::text)`.
 */
export function ownerScope(caller: Caller): string | null {
  return caller.internal ? null : (caller.partner ?? null);
}

/** The partner a new resource belongs to: creating needs one, even for an internal caller. */
export function creatingPartner(caller: Caller): string {
  if (caller.partner !== undefined) return caller.partner;
  throw new ProblemError(
    'forbidden',
    `A resource belongs to the partner that creates it; send ${PARTNER_HEADER} to create one with the internal scope.`,
  );
}

/** Headers a service sends to another system API to act for the same caller. */
export function callerHeaders(caller: Caller): Record<string, string> {
  return {
    ...(caller.partner !== undefined ? { [PARTNER_HEADER]: caller.partner } : {}),
    ...(caller.internal ? { [SCOPES_HEADER]: INTERNAL_SCOPE } : {}),
  };
}
