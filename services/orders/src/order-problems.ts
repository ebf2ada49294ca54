import { ProblemError, problem, problemType, type FieldError } from '@concord/contracts/src/problem.ts';

/** The orders service's problems, in one place so their types and titles never drift. */
export const orderProblems = {
  notFound: (id: string) =>
    new ProblemError({
      status: 404,
      type: problemType('not-found'),
      title: 'Resource not found',
      detail: `Order ${id} does not exist.`,
      instance: `/orders/${id}`,
    }),
  notCancellable: (id: string, status: string) =>
    new ProblemError({
      status: 409,
      type: problemType('invalid-order-status'),
      title: 'Order cannot be cancelled',
      detail: `Order ${id} is ${status}; only confirmed orders can be cancelled.`,
      instance: `/orders/${id}`,
    }),
  insufficientStock: (id: string, detail: string, errors: FieldError[]) =>
    problem(409, `${detail} Order ${id} was rejected.`, {
      type: problemType('insufficient-stock'),
      title: 'Insufficient stock',
      instance: `/orders/${id}`,
      errors,
    }),
  unknownSku: (detail: string, errors: FieldError[]) =>
    new ProblemError({ status: 422, type: problemType('unknown-sku'), title: 'Unknown SKU', detail, errors }),
  unknownCustomer: (customerId: string) =>
    new ProblemError({
      status: 422,
      type: problemType('unknown-customer'),
      title: 'Unknown customer',
      detail: `Customer ${customerId} does not exist.`,
      errors: [{ pointer: '/body/customer_id', message: 'customer does not exist' }],
    }),
  keyReused: (key: string) =>
    new ProblemError({
      status: 422,
      type: problemType('idempotency-key-reused'),
      title: 'Idempotency-Key reused',
      detail: `The Idempotency-Key ${key} was already used with a different request body.`,
    }),
  keyInFlight: (key: string) =>
    new ProblemError(
      {
        status: 409,
        type: problemType('idempotency-conflict'),
        title: 'Idempotency-Key in use',
        detail: `A request with the Idempotency-Key ${key} is still being processed; retry later.`,
      },
      { headers: { 'retry-after': '1' } },
    ),
  dependencyUnavailable: (what: string, cause: unknown) =>
    new ProblemError(
      {
        status: 503,
        type: problemType('dependency-unavailable'),
        title: 'Service Unavailable',
        detail: `${what} is not available; no order was placed. Retry later.`,
      },
      { cause, headers: { 'retry-after': '1' } },
    ),
};
