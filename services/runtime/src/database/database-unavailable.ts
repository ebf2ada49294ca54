import { ProblemError } from '@concord/contracts/src/problem.ts';
import { sqlState } from './sql-errors.ts';

/**
 * The database could not be reached or dropped the connection: a fault of the service's
 * dependency, not of the request. It is a ProblemError, so every service's error handler answers
 * 503 `dependency-unavailable` problem+json with Retry-After instead of a 500.
 */
export class DatabaseUnavailableError extends ProblemError {
  constructor(cause: unknown) {
    super(
      'dependency-unavailable',
      'The service cannot reach its database right now. Retry later; a request with an Idempotency-Key is safe to repeat.',
      { cause, headers: { 'retry-after': '1' } },
    );
  }
}

// SQLSTATE class 08 is "connection exception"; 57P01-57P03 are the server shutting down or
// starting up; 53300 is "too many connections".
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300']);
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'EAI_AGAIN',
  'ENETUNREACH',
]);
// node-postgres reports a lost or never-made connection with plain Errors that have no code.
const DRIVER_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'is not queryable',
  'Client has encountered a connection error',
  'Cannot use a pool after calling end',
];

/** True for errors that say "the database is not there", as opposed to "this SQL failed". */
export function isConnectionFailure(err: unknown): boolean {
  if (err instanceof DatabaseUnavailableError) return true;
  const state = sqlState(err);
  if (state !== undefined && (state.startsWith('08') || UNAVAILABLE_STATES.has(state) || NETWORK_CODES.has(state))) return true;
  if (err instanceof AggregateError) return err.errors.some(isConnectionFailure);
  return err instanceof Error && DRIVER_MESSAGES.some((m) => err.message.includes(m));
}

/** Rethrows connection failures as DatabaseUnavailableError and everything else unchanged. */
export function toDatabaseError(err: unknown): unknown {
  return isConnectionFailure(err) && !(err instanceof DatabaseUnavailableError) ? new DatabaseUnavailableError(err) : err;
}
