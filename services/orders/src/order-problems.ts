import { ProblemError, problem, type FieldError } from '@concord/contracts/src/problem.ts';

/** The orders service's problems, in one place so each is raised the same way wherever it happens. */
export const orderProblems = {
  notFound: (id: string) => new ProblemError('not-found', `Order ${id} does not exist.`),
  notCancellable: (id: string, status: string) =>
    new ProblemError('invalid-order-status', `Order ${id} is ${status}; only confirmed orders can be cancelled.`, {
      instance: `/orders/${id}`,
    }),
  // Stored with the rejected order (the idempotent answer) and thrown from there, first time and
  // replays alike; `instance` is the rejected order, so the client can read it.
  insufficientStock: (id: string, detail: string, errors: FieldError[]) =>
    problem('insufficient-stock', `${detail} Order ${id} was rejected.`, { instance: `/orders/${id}`, errors }),
  unknownSku: (detail: string, errors: FieldError[]) => new ProblemError('unknown-sku', detail, { errors }),
  unknownCustomer: (customerId: string) =>
    new ProblemError('unknown-customer', `Customer ${customerId} does not exist.`, {
      errors: [{ pointer: '/body/customer_id', message: 'customer does not exist' }],
    }),
  keyReused: (key: string) =>
    new ProblemError('idempotency-key-reused', `The Idempotency-Key ${key} was already used with a different request body.`),
  keyInFlight: (key: string) =>
    new ProblemError('idempotency-conflict', `A request with the Idempotency-Key ${key} is still being processed; retry later.`, {
      headers: { 'retry-after': '1' },
    }),
  dependencyUnavailable: (what: string, cause: unknown) =>
    new ProblemError('dependency-unavailable', `${what} is not available; no order was placed. Retry later.`, {
      cause,
      headers: { 'retry-after': '1' },
    }),
};
