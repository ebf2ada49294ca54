import type { CustomersV2Handlers } from '@concord/contracts/generated/customers.v2/server.ts';
import { ProblemError, problemType } from '@concord/contracts/src/problem.ts';
import type { Clock } from '@concord/service-runtime/src/clock.ts';
import type { Database } from '@concord/service-runtime/src/database/database.ts';
import { isUniqueViolation } from '@concord/service-runtime/src/database/sql-errors.ts';
import type { Outbox } from '@concord/service-runtime/src/events/outbox.ts';
import { decodeCursor, encodeCursor } from '@concord/service-runtime/src/http/page-cursor.ts';
import { traceparentOf } from '@concord/service-runtime/src/http/traceparent.ts';
import type { IdGenerator } from '@concord/service-runtime/src/ids.ts';
import { completeAddress, type Customer } from './customer.ts';
import { applyMergePatch } from './customer-merge-patch.ts';
import { customerRepository as repo } from './customer-repository.ts';

export interface CustomersHandlerDeps {
  db: Database;
  outbox: Outbox;
  clock: Clock;
  ids: IdGenerator;
}

function emailTaken(email: string, ownerId: string | undefined, cause?: unknown): ProblemError {
  return new ProblemError(
    {
      status: 409,
      type: problemType('email-already-exists'),
      title: 'Email address already in use',
      detail: ownerId
        ? `The email address ${email} belongs to customer ${ownerId}.`
        : `The email address ${email} belongs to another customer.`,
      errors: [{ pointer: '/body/email', message: 'is already used by another customer' }],
    },
    { cause },
  );
}

function notFound(id: string): ProblemError {
  return new ProblemError({
    status: 404,
    type: problemType('not-found'),
    title: 'Resource not found',
    detail: `Customer ${id} does not exist.`,
    instance: `/customers/${id}`,
  });
}

/** Writes with the unique email index as the arbiter: a pre-check alone would race. */
async function guardEmail<T>(db: Database, email: string | undefined, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (email !== undefined && isUniqueViolation(err, 'customers_email_key'))
      throw emailTaken(email, await repo.findIdByEmail(db, email), err);
    throw err;
  }
}

export function createCustomersHandlers(deps: CustomersHandlerDeps): CustomersV2Handlers {
  const { db, outbox, clock, ids } = deps;
  return {
    async listCustomers({ query }) {
      const page = await repo.page(db, { limit: query.limit ?? 20, before: decodeCursor(query.cursor), email: query.email });
      return {
        status: 200,
        body: { data: page.customers, next_cursor: page.nextPosition === undefined ? null : encodeCursor(page.nextPosition) },
      };
    },

    async createCustomer({ body }, c) {
      const now = clock.now().toISOString();
      const customer: Customer = {
        id: ids.prefixed('cus'),
        given_name: body.given_name,
        family_name: body.family_name,
        name_prefix: body.name_prefix ?? null,
        email: body.email,
        phone: body.phone ?? null,
        address: completeAddress(body.address),
        created_at: now,
        updated_at: now,
      };
      await guardEmail(db, body.email, () =>
        db.transaction(async (tx) => {
          await repo.insert(tx, customer);
          await outbox.appendEvent(tx, 'customer.created', customer, { subject: customer.id, traceparent: traceparentOf(c) });
        }),
      );
      return { status: 201, body: customer, headers: { location: `/customers/${customer.id}` } };
    },

    async getCustomer({ params }) {
      const customer = await repo.find(db, params.customerId);
      if (!customer) throw notFound(params.customerId);
      return { status: 200, body: customer };
    },

    async updateCustomer({ params, body }, c) {
      const updated = await guardEmail(db, body.email, () =>
        db.transaction(async (tx) => {
          const current = await repo.find(tx, params.customerId, true);
          if (!current) throw notFound(params.customerId);
          const { customer, changed } = applyMergePatch(current, body, clock.now().toISOString());
          // A patch that changes nothing is not an event: consumers would act on a non-change.
          if (changed.length === 0) return current;
          await repo.update(tx, customer);
          await outbox.appendEvent(
            tx,
            'customer.updated',
            { customer, changed_fields: changed },
            { subject: customer.id, traceparent: traceparentOf(c) },
          );
          return customer;
        }),
      );
      return { status: 200, body: updated };
    },
  };
}
